"""The rating form one rubric section a step: where a rater is, what each button saves and where
it goes, the save on leaving the page, the review that submits, and the group's meaning."""

from __future__ import annotations

import re

from service.cycles import operations as cycles
from service.cycles.models import Cycle
from service.db import db
from service.nominations.models import Invitation, InvitationStatus
from service.responses.models import HeldResponse, Response
from tests.factories import launched_cycle
from tests.web.helpers import post_form


def _by_group(tokens):
    found = {}
    for invitation in db.session.scalars(db.select(Invitation).order_by(Invitation.id)):
        found.setdefault(invitation.nomination.group.value, []).append(tokens[invitation.id])
    return found


def _step(rubric, number, value="4"):
    return {f"item-{item['id']}": value for item in rubric["sections"][number - 1]["items"]}


def test_a_rater_goes_step_by_step_leaves_and_comes_back_where_they_were(client):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    total = len(rubric["sections"]) + 2
    url = f"/r/{_by_group(tokens)['peer'][0]}"
    first = client.get(url).get_data(as_text=True)
    assert f"Step 1 of {total}" in first and 'aria-current="step"' in first
    for section in rubric["sections"]:  # every section is listed, each a link to its step
        assert section["title"]["en"] in first
    assert first.count(f'href="{url}?step=') == total

    page = post_form(client, url, {**_step(rubric, 1), "step": "1"}, "continue")
    assert page.status_code == 302 and page.location.endswith(f"{url}?step=2")
    second = client.get(page.location).get_data(as_text=True)
    assert f"Step 2 of {total}" in second and rubric["sections"][1]["title"]["en"] in second
    item = rubric["sections"][1]["items"][0]["id"]
    page = post_form(client, url, {f"item-{item}": "na", "step": "2"}, "back")
    assert page.location.endswith(f"{url}?step=1")
    # A new visit (another browser, the link from the email) opens where they left off, with
    # both steps' answers: each post saved what it carried onto the sealed draft.
    again = client.get(url).get_data(as_text=True)
    assert f"Step 1 of {total}" in again
    assert all(f'name="{name}" type="radio" value="4" checked' in again
               for name in _step(rubric, 1))
    post_form(client, url, {"step": "1"}, "continue")
    assert f'name="item-{item}" type="radio" value="na" checked' in client.get(url).get_data(
        as_text=True)


def test_continue_asks_for_the_steps_unanswered_statements_and_keeps_what_was_given(client):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    url = f"/r/{_by_group(tokens)['direct_report'][0]}"
    items = rubric["sections"][0]["items"]
    page = post_form(client, url, {f"item-{items[0]['id']}": "5", "step": "1"}, "continue")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert re.search(r"<title>Error: [^<]*Feedback for Alex Leader", html)
    assert 'data-module="nhsuk-error-summary"' in html and " autofocus" in html
    listed = re.findall(r'href="#(item-[^"]+)"', html.split("nhsuk-error-summary__list")[1]
                        .split("</ul>")[0])
    assert listed == [f"item-{item['id']}" for item in items[1:]]  # every problem, linked
    assert f'id="item-{items[1]["id"]}-error"' in html
    # nothing else of the form is asked about yet, and the answer given was saved
    assert rubric["sections"][1]["items"][0]["text"]["en"] not in html
    fresh = client.get(url).get_data(as_text=True)
    assert f'name="item-{items[0]["id"]}" type="radio" value="5" checked' in fresh


def test_the_review_lists_every_problem_and_submits_into_the_holding_area(client):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    review = len(rubric["sections"]) + 2
    url = f"/r/{_by_group(tokens)['peer'][0]}"
    for number in range(1, len(rubric["sections"])):  # all but the last section
        post_form(client, url, {**_step(rubric, number), "step": str(number)}, "continue")
    page = post_form(client, url, {"step": str(review)}, "submit")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "Error: Check and send" in html
    last = rubric["sections"][-1]
    for item in last["items"]:
        assert f'?step={len(rubric["sections"])}#item-{item["id"]}"' in html
    assert f"0 of {len(last['items'])} answered" in html
    post_form(client, url, {**_step(rubric, len(rubric["sections"]), "na"),
                            "question-strengths": "Listens.", "step": str(review - 1)},
              "continue")
    summary = client.get(f"{url}?step={review}").get_data(as_text=True)
    assert "Listens." in summary and "would identify you" in summary
    page = post_form(client, url, {"step": str(review)}, "submit")
    assert page.status_code == 302 and "/done/submitted" in page.location
    assert db.session.scalar(db.select(db.func.count(Response.id))) == 0  # held, not stored
    assert db.session.scalar(db.select(db.func.count(HeldResponse.id))) == 1
    cycles.close(db.session.get(Cycle, cycle.id))
    db.session.commit()
    response = db.session.scalar(db.select(Response))
    assert response.comments == {"strengths": "Listens."}
    assert response.answers[last["items"][0]["id"]] is None


def test_leaving_the_page_saves_with_no_page_and_only_from_this_site(client):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    token = _by_group(tokens)["peer"][0]
    url = f"/r/{token}"
    data = {**_step(rubric, 3, "2"), "step": "3", "action": "leave"}
    refused = client.post(url, data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.draft.is_not(None)))
    assert invitation is None
    left = client.post(url, data=data, headers={"Sec-Fetch-Site": "same-origin"})
    assert left.status_code == 204 and left.get_data() == b""
    back = client.get(url).get_data(as_text=True)
    assert "Step 3 of" in back and 'value="2" checked' in back
    assert db.session.scalar(db.select(Invitation.status).where(
        Invitation.draft.is_not(None))) == InvitationStatus.PENDING


def test_each_group_is_told_plainly_what_its_answers_mean_for_anonymity(client):
    cycle, tokens, _ = launched_cycle()
    groups = _by_group(tokens)
    closes = f"{cycle.closes_on.day} {cycle.closes_on:%B %Y}"

    def first_step(group):
        return " ".join(client.get(f"/r/{groups[group][0]}").get_data(as_text=True).split())

    manager = first_step("manager")
    assert "Alex Leader's manager" in manager and "not anonymous" not in manager
    assert "shown on their own, as “Manager”" in manager
    peer = first_step("peer")
    assert "one of Alex Leader's peers" in peer
    assert f"only when at least {cycle.min_group_size} peers have answered" in peer
    assert "one of the people Alex Leader manages" in first_step("direct_report")
    own = first_step("self")
    assert "so it is not anonymous" in own and "Your self-assessment" in own
    for page in (manager, peer, own):
        assert f"Saved answers that are not sent by {closes} are deleted" in page


def test_the_leaders_own_decline_page_is_not_offered(client):
    _, tokens, _ = launched_cycle()
    token = _by_group(tokens)["self"][0]
    page = client.get(f"/r/{token}/decline")
    assert page.status_code == 302 and page.location.endswith(f"/r/{token}")
