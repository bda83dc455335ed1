"""The feedback a signed-in member of staff has been asked to give (/me/asked): their own
pending forms only, each linked through their own personal link, which keeps working without
signing in."""

from __future__ import annotations

import re

import pytest

from service.db import db
from service.nominations.models import Invitation, Nomination
from service.staff.operations import create_account
from tests.factories import launched_cycle, person
from tests.staff_fixtures import PASSWORD, staff_client_for
from tests.web.helpers import full_answers, post_form


def _signed_in(app, someone):
    create_account(someone, (), PASSWORD)
    db.session.commit()
    client = app.test_client()
    reply = client.post("/sign-in", data={"email": someone.email, "password": PASSWORD})
    assert reply.status_code in (302, 303)
    return client


def _token_of(tokens, someone):
    invitation_id = db.session.scalar(db.select(Invitation.id).join(Nomination).where(
        Nomination.person_id == someone.id))
    return tokens[invitation_id]


@pytest.fixture
def app(make_app, tmp_path):
    application = make_app(WTF_CSRF_ENABLED=False,
                           RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'throttle.sqlite'}")
    staff_client_for(application)
    with application.app_context():
        yield application


def test_a_colleague_sees_their_own_pending_form_and_the_link_works_signed_out(app):
    cycle, tokens, people = launched_cycle()
    peer = people["peers"][0]
    token = _token_of(tokens, peer)
    colleague = _signed_in(app, peer)
    home = colleague.get("/staff").get_data(as_text=True)
    assert 'href="/me/asked"' in home
    page = colleague.get("/me/asked")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Feedback for Alex Leader" in html and f'href="/r/{token}"' in html
    assert "Not started." in html
    assert re.findall(r'href="/r/([^"]+)"', html) == [token]  # nobody else's link
    # The leader sees their own self-assessment, not their raters' forms.
    leader = _signed_in(app, people["leader"])
    mine = leader.get("/me/asked").get_data(as_text=True)
    assert "Your self-assessment" in mine
    assert re.findall(r'href="/r/([^"]+)"', mine) == [_token_of(tokens, people["leader"])]
    # Someone asked for nothing is told so.
    nobody = _signed_in(app, person("nobody", "Nia Nobody"))
    assert "You have no feedback to give" in nobody.get("/me/asked").get_data(as_text=True)

    anonymous = app.test_client()  # the emailed link, without signing in
    first = cycle.rubric_snapshot["sections"][0]["items"][0]["id"]
    post_form(anonymous, f"/r/{token}", {f"item-{first}": "4"}, "save")
    assert "Started: your answers so far are saved" in colleague.get("/me/asked").get_data(
        as_text=True)
    assert post_form(anonymous, f"/r/{token}", full_answers(cycle.rubric_snapshot),
                     "submit").status_code == 302
    assert f'href="/r/{token}"' not in colleague.get("/me/asked").get_data(as_text=True)


def test_signed_out_people_are_sent_to_sign_in(client):
    page = client.get("/me/asked")
    assert page.status_code == 302 and "/sign-in" in page.location
