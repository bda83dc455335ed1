import base64
import datetime as dt
import os
import re
import threading

import pytest
from sqlalchemy import inspect

from service.cycles import operations as cycles
from service.db import db
from service.nominations.models import Invitation, InvitationStatus, Nomination
from service.nominations.tokens import hash_token, new_token
from service.responses.models import HeldResponse, Response
from service.responses.sealing import SealBroken, open_draft, padded_size
from tests.factories import launched_cycle
from tests.web.helpers import full_answers, open_form, post_form


def _tokens_by_group(tokens):
    by_group = {}
    for invitation in db.session.scalars(db.select(Invitation)):
        by_group.setdefault(invitation.nomination.group.value, []).append(tokens[invitation.id])
    return by_group


def test_form_shows_leader_rubric_scale_and_questions(client):
    cycle, tokens, _ = launched_cycle()
    token = _tokens_by_group(tokens)["direct_report"][0]
    page = client.get(f"/r/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Feedback for Alex Leader" in html
    rubric = cycle.rubric_snapshot
    for section in rubric["sections"]:
        assert section["title"]["en"] in html
    first = rubric["sections"][0]["items"][0]
    assert first["text"]["en"] in html
    assert html.count(f'name="item-{first["id"]}"') == len(rubric["scale"]["labels"]) + 1
    assert "Not observed" in html and "Always" in html and "Never" in html
    # One section a step: the open questions have a step of their own, before the review.
    steps = len(rubric["sections"]) + 2
    assert f"Step 1 of {steps}" in html
    questions = client.get(f"/r/{token}?step={steps - 1}").get_data(as_text=True)
    assert rubric["questions"][0]["text"]["en"] in questions
    # Nothing to tie the page to the browser: no CSRF token, no cookie (the link is the secret)
    assert "csrf_token" not in html
    assert "Set-Cookie" not in page.headers
    # No inline script (the CSP forbids it); the design system's script only improves the page.
    assert re.findall(r"<script[^>]*>", html) == [
        '<script type="module" src="/static/init.js">',
        '<script type="module" src="/static/rate.js">']


def test_welsh_speaker_gets_welsh_rubric(client):
    cycle, tokens, people = launched_cycle()
    rater = people["reports"][0]
    rater.language = "cy"
    db.session.commit()
    invitation = db.session.scalar(db.select(Invitation).join(Nomination).where(
        Nomination.person_id == rater.id))
    html = client.get(f"/r/{tokens[invitation.id]}").get_data(as_text=True)
    assert 'lang="cy"' in html
    assert cycle.rubric_snapshot["sections"][0]["title"]["cy"] in html
    assert "Adborth i Alex Leader" in html


def test_the_leaders_own_form_words_each_statement_in_the_first_person(client):
    """In English and Welsh, from forms pre-rendered per kind of rater: the self form never
    shows the others' wording, and the others' forms (rendered after it) never show the self
    wording."""
    cycle, tokens, people = launched_cycle()
    by_group = _tokens_by_group(tokens)
    item = cycle.rubric_snapshot["sections"][0]["items"][0]
    question = cycle.rubric_snapshot["questions"][0]
    own = client.get(f"/r/{by_group['self'][0]}").get_data(as_text=True)
    assert "Your self-assessment" in own
    assert f">{item['self_text']['en']}</legend>" in own
    assert item["text"]["en"] not in own
    questions = client.get(f"/r/{by_group['self'][0]}?step="
                           f"{len(cycle.rubric_snapshot['sections']) + 1}").get_data(as_text=True)
    assert question["self_text"]["en"] in questions and question["text"]["en"] not in questions
    # Nothing meant for the raters: no declining, no word on anonymity or identifying details.
    assert "/decline" not in own and "cannot give feedback" not in own
    assert "would identify you" not in questions and "anonymous" not in own.replace(
        "not anonymous", "")
    other = client.get(f"/r/{by_group['direct_report'][0]}").get_data(as_text=True)
    assert f">{item['text']['en']}</legend>" in other and item["self_text"]["en"] not in other
    # The error summary of an incomplete self form names the statements as the form does.
    page = post_form(client, f"/r/{by_group['self'][0]}", {}, "submit")
    assert page.status_code == 422
    summary = " ".join(page.get_data(as_text=True).split("nhsuk-error-summary__list")[1].split())
    assert f'step=1#item-{item["id"]}"> {item["self_text"]["en"]} </a>' in summary
    # In Welsh too.
    people["leader"].language = "cy"
    db.session.commit()
    # (the leader comes back to the review, where they left: the first step by its address)
    welsh = client.get(f"/r/{by_group['self'][0]}?step=1").get_data(as_text=True)
    assert 'lang="cy"' in welsh
    assert item["self_text"]["cy"].replace("'", "&#39;") in welsh
    assert item["text"]["cy"].replace("'", "&#39;") not in welsh


def test_a_cycle_frozen_before_self_wording_shows_the_usual_wording_to_the_leader(client):
    cycle, tokens, _ = launched_cycle()
    frozen = {**cycle.rubric_snapshot, "sections": [
        {**section, "items": [{k: v for k, v in item.items() if k != "self_text"}
                              for item in section["items"]]}
        for section in cycle.rubric_snapshot["sections"]]}
    cycle.rubric_snapshot = frozen
    db.session.commit()
    item = frozen["sections"][0]["items"][0]
    own = client.get(f"/r/{_tokens_by_group(tokens)['self'][0]}").get_data(as_text=True)
    assert "Your self-assessment" in own and f">{item['text']['en']}</legend>" in own


def _submit_with(client, headers):
    """A complete form submitted to a fresh link with these headers: (the link, the reply)."""
    cycle, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    return token, client.post(f"/r/{token}", data={**full_answers(cycle.rubric_snapshot),
                                                   "action": "submit"}, headers=headers)


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"}, {"Origin": "null"}])
def test_a_post_from_another_site_is_refused_and_changes_nothing(client, headers):
    token, page = _submit_with(client, headers)
    assert page.status_code == 403
    assert "only accept answers sent from this service" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(HeldResponse.id))) == 0
    assert db.session.scalar(db.select(Invitation.status).where(
        Invitation.token_hash == hash_token(token))) == InvitationStatus.PENDING


@pytest.mark.parametrize("headers", [
    {}, {"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"}])
def test_a_post_from_the_form_itself_or_a_client_that_says_nothing_is_taken(client, headers):
    _, page = _submit_with(client, headers)
    assert page.status_code == 302
    assert db.session.scalar(db.select(db.func.count(HeldResponse.id))) == 1


def test_save_and_come_back_later(client):
    cycle, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    rubric = cycle.rubric_snapshot
    first, second = (item["id"] for item in rubric["sections"][0]["items"][:2])
    page = post_form(client, f"/r/{token}", {f"item-{first}": "2", f"item-{second}": "na",
                                             "question-strengths": "Kind."}, "save")
    assert page.status_code == 302 and page.location.endswith(f"/r/{token}?step=1&saved=1")
    html = client.get(page.location).get_data(as_text=True)
    assert "Your answers are saved" in html
    assert f'name="item-{first}" type="radio" value="2" checked' in html
    assert f'name="item-{second}" type="radio" value="na" checked' in html
    questions = client.get(f"/r/{token}?step={len(rubric['sections']) + 1}")
    assert "Kind.</textarea>" in questions.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(HeldResponse.id))) == 0


def test_incomplete_submit_lists_missing_items_and_keeps_answers(client):
    cycle, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    answers = full_answers(cycle.rubric_snapshot)
    missing = next(iter(answers))
    del answers[missing]
    page = post_form(client, f"/r/{token}", answers, "submit")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    # (on the review step: each problem links to its field on its own step)
    assert "There is a problem" in html and f'?step=1#{missing}"' in html
    assert "1 statement needs an answer" in html
    invitation = db.session.scalar(db.select(Invitation).where(
        Invitation.status == InvitationStatus.PENDING).limit(1))
    db.session.expire_all()
    assert any(inv.draft for inv in db.session.scalars(db.select(Invitation)))
    assert invitation is not None


def test_submit_holds_sealed_answers_until_the_close_moves_them(client):
    cycle, tokens, _ = launched_cycle()
    token = _tokens_by_group(tokens)["direct_report"][0]
    url = f"/r/{token}"
    open_form(client, url)
    page = post_form(client, url, full_answers(cycle.rubric_snapshot, "5"), "submit")
    assert page.status_code == 302 and page.location.endswith("/done/submitted?lang=en")
    assert "Thank you" in client.get(page.location).get_data(as_text=True)

    # The rater's transaction wrote no response: only a sealed, fixed-size held row.
    assert db.session.scalar(db.select(db.func.count(Response.id))) == 0
    held = db.session.scalars(db.select(HeldResponse)).all()
    assert len(held) == 1 and held[0].rater_group.value == "direct_report"
    assert len(held[0].sealed) == padded_size(cycle.rubric_snapshot) + 12 + 16
    assert b"Listens with real interest" not in held[0].sealed
    used = db.session.scalar(db.select(Invitation).where(
        Invitation.status == InvitationStatus.SUBMITTED))
    assert used.sealed_token is None and used.draft is None  # the link is forgotten once used

    again = post_form(client, url, full_answers(cycle.rubric_snapshot), "submit")
    assert again.status_code == 410
    assert "already submitted" in again.get_data(as_text=True)
    assert client.get(url).status_code == 410
    assert db.session.scalar(db.select(db.func.count(HeldResponse.id))) == 1

    cycles.close(cycle)
    db.session.commit()
    responses = db.session.scalars(db.select(Response)).all()
    assert len(responses) == 1 and db.session.scalar(
        db.select(db.func.count(HeldResponse.id))) == 0
    response = responses[0]
    assert response.rater_group.value == "direct_report"
    assert set(response.answers.values()) == {5}
    assert response.comments == {"strengths": "Listens with real interest."}
    # Nothing in a response row points back to a person, an invitation or a moment.
    columns = {c["name"] for c in inspect(db.engine).get_columns("responses")}
    # custom_group_id names a cycle's own rater group (a group, never a person)
    assert columns == {"id", "cycle_id", "subject_id", "rater_group", "custom_group_id",
                       "answers", "comments"}
    held_columns = {c["name"] for c in inspect(db.engine).get_columns("held_responses")}
    assert held_columns == {"id", "cycle_id", "subject_id", "rater_group", "custom_group_id",
                            "sealed"}
    invitation_columns = {c["name"] for c in inspect(db.engine).get_columns("invitations")}
    assert invitation_columns == {"id", "nomination_id", "token_hash", "sealed_token",
                                  "status", "draft", "created_at"}


def test_a_draft_is_sealed_with_the_link_and_wiped_as_sql_null(client):
    cycle, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    rubric = cycle.rubric_snapshot
    first = rubric["sections"][0]["items"][0]["id"]
    post_form(client, f"/r/{token}", {f"item-{first}": "2", "question-strengths": "Kind."},
              "save")
    post_form(client, f"/r/{token}", {f"item-{first}": "3",
                                      "question-strengths": "Kind. " * 300}, "save")
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.draft.is_not(None)))
    # Unreadable without the link, and the same length whatever was written.
    assert b"Kind." not in invitation.draft
    assert len(invitation.draft) == padded_size(rubric) + 12 + 16
    assert open_draft(token, invitation.draft)[1] == {"strengths": ("Kind. " * 300).strip()}
    with pytest.raises(SealBroken):
        open_draft(new_token(), invitation.draft)
    cycles.close(cycle)
    db.session.commit()
    stored = db.session.execute(db.text(
        "SELECT count(*) FROM invitations WHERE draft IS NULL")).scalar()
    assert stored == len(tokens)  # SQL NULL, not the JSON text 'null'


def test_answers_too_long_to_seal_are_refused_and_kept_on_the_page(client):
    cycle, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    noise = [base64.b64encode(os.urandom(3000)).decode() for _ in range(3)]  # 4,000 chars each
    answers = {**full_answers(cycle.rubric_snapshot), "question-strengths": noise[0],
               "question-development": noise[1], "question-example": noise[2]}
    page = post_form(client, f"/r/{token}", answers, "submit")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "too long to store" in html and all(text in html for text in noise)
    assert db.session.scalar(db.select(db.func.count(HeldResponse.id))) == 0
    invitation = db.session.scalar(db.select(Invitation).where(
        Invitation.status == InvitationStatus.PENDING).limit(1))
    assert invitation is not None


def test_two_tabs_submitting_at_once_store_exactly_one_response(make_app):
    app = make_app()
    with app.app_context():
        cycle, tokens, _ = launched_cycle()
        rubric = cycle.rubric_snapshot
        token = next(iter(tokens.values()))
    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        open_form(c, f"/r/{token}")
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def tab(client):
        with app.app_context():
            barrier.wait()
            statuses.append(post_form(client, f"/r/{token}", full_answers(rubric),
                                      "submit").status_code)

    threads = [threading.Thread(target=tab, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 410, 410, 410]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(HeldResponse.id))) == 1


def test_decline(client):
    _, tokens, _ = launched_cycle()
    token = _tokens_by_group(tokens)["peer"][0]  # the leader's own form offers no declining
    confirm = client.get(f"/r/{token}/decline")
    assert "Decline to give feedback on Alex Leader" in confirm.get_data(as_text=True)
    open_form(client, f"/r/{token}")
    page = post_form(client, f"/r/{token}", {}, "decline")
    assert page.status_code == 302 and page.location.endswith("/done/declined?lang=en")
    assert client.get(f"/r/{token}").status_code == 410
    assert db.session.scalar(db.select(db.func.count(HeldResponse.id))) == 0
    statuses = db.session.scalars(db.select(Invitation.status)).all()
    assert statuses.count(InvitationStatus.DECLINED) == 1


def test_unknown_and_tampered_links(client):
    _, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    assert client.get("/r/../../etc/passwd").status_code == 404
    for bad in (new_token(), token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20],
                "%27%20OR%201=1", token + "x"):
        page = client.get(f"/r/{bad}")
        assert page.status_code == 404, bad
        assert "This link is not recognised" in page.get_data(as_text=True)


def test_closed_cycle_and_past_closing_date_expire_links(client):
    cycle, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    cycle.closes_on = dt.date.today() - dt.timedelta(days=1)
    db.session.commit()
    page = client.get(f"/r/{token}")
    assert page.status_code == 410
    assert "This feedback cycle has closed" in page.get_data(as_text=True)
    cycle.closes_on = dt.date.today() + dt.timedelta(days=1)
    cycles.close(cycle)
    db.session.commit()
    assert client.get(f"/r/{token}").status_code == 410


def test_guessing_is_throttled(make_app):
    app = make_app(TOKEN_FAILURE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.get(f"/r/{new_token()}").status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_odd_input_gets_a_form_error_not_a_server_error(client):
    cycle, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    answers = full_answers(cycle.rubric_snapshot)
    first = next(iter(answers))
    for odd in ("²", "7", "-1", "4.5", "x" * 10000):
        page = post_form(client, f"/r/{token}", {**answers, first: odd}, "submit")
        assert page.status_code == 422, odd
        assert "Choose one of the answers (1 to 5" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(HeldResponse.id))) == 0


def test_saving_from_a_stale_tab_after_submitting_keeps_no_draft(client):
    cycle, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    url = f"/r/{token}"
    open_form(client, url)
    assert post_form(client, url, full_answers(cycle.rubric_snapshot), "submit").status_code == 302
    page = post_form(client, url, full_answers(cycle.rubric_snapshot), "save")
    assert page.status_code == 410
    db.session.expire_all()
    assert [i.draft for i in db.session.scalars(db.select(Invitation))] == [None] * len(tokens)
