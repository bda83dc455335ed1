"""The optional importance question on each section's step (rubric `importance`): asked with
radios in a fieldset, first person on the leader's own form, in Welsh for a Welsh speaker;
saved with the step onto the sealed draft, resumed, submitted, held and moved into
``responses`` inside the answers, exactly as item answers are; never required."""

from __future__ import annotations

from markupsafe import escape

from service.cycles import operations as cycles
from service.cycles.models import Cycle
from service.db import db
from service.nominations.models import Invitation, Nomination
from service.responses.models import Response
from service.rubrics import importance
from tests.factories import launched_cycle
from tests.web.helpers import post_form
from tests.web.test_rating_steps import _by_group, _step


def test_each_step_asks_importance_once_with_radios_and_says_it_is_optional(client):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    assert rubric["importance"]  # the full rubric asks it
    by_group = _by_group(tokens)
    html = client.get(f"/r/{by_group['peer'][0]}").get_data(as_text=True)
    first = rubric["sections"][0]["id"]
    # the scale, then "No answer" (never checked), which takes a saved answer back
    assert html.count(f'name="importance-{first}" type="radio"') == len(
        rubric["importance"]["labels"]) + 1
    assert f'name="importance-{first}" type="radio" value="">' in html and "No answer" in html
    # one question on the step
    assert html.count('name="importance-') == len(rubric["importance"]["labels"]) + 1
    legend = html.split(f'id="importance-{first}-hint"')[0].rsplit("<legend", 1)[1]
    assert str(escape(rubric["importance"]["text"]["en"])) in legend and "(optional)" in legend
    assert "Essential" in html and "Not important" in html
    own = client.get(f"/r/{by_group['self'][0]}").get_data(as_text=True)
    assert str(escape(rubric["importance"]["self_text"]["en"])) in own
    assert str(escape(rubric["importance"]["text"]["en"])) not in own


def test_welsh_speakers_are_asked_in_welsh(client):
    cycle, tokens, people = launched_cycle()
    rater = people["reports"][0]
    rater.language = "cy"
    db.session.commit()
    invitation = db.session.scalar(db.select(Invitation).join(Nomination).where(
        Nomination.person_id == rater.id))
    html = client.get(f"/r/{tokens[invitation.id]}").get_data(as_text=True)
    assert str(escape(cycle.rubric_snapshot["importance"]["text"]["cy"])) in html
    assert "Hanfodol" in html and "dewisol" in html and "Gallwch adael hwn heb ei ateb" in html


def test_importance_is_saved_resumed_submitted_and_moved_with_the_answers(client):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    sections = rubric["sections"]
    url = f"/r/{_by_group(tokens)['direct_report'][0]}"
    first = sections[0]["id"]
    page = post_form(client, url, {**_step(rubric, 1), f"importance-{first}": "5",
                                   "step": "1"}, "continue")
    assert page.status_code == 302
    # Resumed from the sealed draft, as the item answers are.
    again = client.get(f"{url}?step=1").get_data(as_text=True)
    assert f'name="importance-{first}" type="radio" value="5" checked' in again
    # A step posted without it (radios left alone) keeps what was saved.
    post_form(client, url, {**_step(rubric, 1), "step": "1"}, "continue")
    assert f'name="importance-{first}" type="radio" value="5" checked' in client.get(
        f"{url}?step=1").get_data(as_text=True)
    # "No answer" takes it back; then chosen again for the rest of the test.
    post_form(client, url, {**_step(rubric, 1), f"importance-{first}": "", "step": "1"},
              "continue")
    cleared = client.get(f"{url}?step=1").get_data(as_text=True)
    assert f'name="importance-{first}" type="radio" value="5" checked' not in cleared
    assert " checked" not in cleared.split(f'id="importance-{first}-hint"')[1].split(
        "</fieldset>")[0]
    post_form(client, url, {**_step(rubric, 1), f"importance-{first}": "5", "step": "1"},
              "continue")
    # Every other step without importance: optional, so the form still goes on and submits.
    for number in range(2, len(sections) + 1):
        page = post_form(client, url, {**_step(rubric, number), "step": str(number)},
                         "continue")
        assert page.status_code == 302, number
    page = post_form(client, url, {"step": str(len(sections) + 2)}, "submit")
    assert page.status_code == 302 and "/done/submitted" in page.location
    cycles.close(db.session.get(Cycle, cycle.id))
    db.session.commit()
    response = db.session.scalar(db.select(Response))
    assert response.answers[importance.key(first)] == 5
    assert not any(importance.section_of(key) for key in response.answers
                   if key != importance.key(first))


def test_a_value_off_the_scale_is_named_and_nothing_else_is_lost(client):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    url = f"/r/{_by_group(tokens)['peer'][0]}"
    first = rubric["sections"][0]["id"]
    page = post_form(client, url, {**_step(rubric, 1), f"importance-{first}": "9",
                                   "step": "1"}, "continue")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f'href="#importance-{first}"' in html and f'id="importance-{first}-error"' in html
    assert "Choose one of the answers about importance" in html
    fresh = client.get(f"{url}?step=1").get_data(as_text=True)
    item = rubric["sections"][0]["items"][0]["id"]
    assert f'name="item-{item}" type="radio" value="4" checked' in fresh
