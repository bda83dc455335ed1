"""A cycle's own rater groups on the pages: HR defines them on the console while the cycle
is a draft (read-only after launch), and HR, the leader and their manager nominate raters in
them, with each group's count against its own threshold. The operations (lists.leader_add,
lists.manager_add) take a built-in group or one of the cycle's own through one code path."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.cycles import operations as cycles
from service.cycles.groups import add_group
from service.db import db
from service.errors import DomainError, InvalidInput
from service.nominations import lists
from service.nominations.groups import group_counts
from service.nominations.models import Nomination, RaterGroup
from service.nominations.operations import nominate
from tests import factories
from tests.nominations.conftest import leader_cycle
from tests.nominations.test_pages import _client, _post
from tests.staff_fixtures import sign_in


def _patients(world: dict[str, Any], k: int = 2) -> Any:
    group = add_group(world["subject"].cycle, "Patients and carers", "Cleifion a gofalwyr", k)
    db.session.commit()
    return group


def _in_group(world: dict[str, Any]) -> dict[str, str]:
    return {n.person.display_name: (n.custom_group.key if n.custom_group else n.group.value)
            for n in db.session.scalars(select(Nomination).where(
                Nomination.subject_id == world["subject"].id))}


@pytest.fixture
def hr(staff_app: Flask, officer: Any) -> Any:
    client = staff_app.test_client()
    assert sign_in(client, officer.email, address="192.0.2.20").status_code == 302
    return client


# -- operations ---------------------------------------------------------------------------

def test_the_leader_adds_a_rater_in_one_of_the_cycles_own_groups(world: dict[str, Any]):
    group = _patients(world)
    carer = factories.person("carer", "Cara Carer")
    nomination = lists.leader_add(world["subject"], carer, group)
    db.session.commit()
    assert (nomination.group, nomination.custom_group_id) == (RaterGroup.CUSTOM, group.id)
    counts = {c.group: c for c in group_counts(world["subject"])}
    assert (counts["custom_patients_and_carers"].nominated,
            counts["custom_patients_and_carers"].threshold) == (1, 2)
    assert counts["custom_patients_and_carers"].warning == (
        "Patients and carers scores will not be shown unless at least 2 of these 1 respond")
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.summary) == (
        "nomination.add", "a rater nominated as Patients and carers for Alex Leader")


def test_the_manager_adds_a_rater_in_a_cycles_own_group_and_the_list_is_changed(
        world: dict[str, Any]):
    group = _patients(world)
    lists.leader_add_suggestions(world["subject"])
    lists.submit(world["subject"], accept_short=True)
    carer = factories.person("carer", "Cara Carer")
    lists.manager_add(world["subject"], world["boss"], carer, group)
    db.session.commit()
    assert _in_group(world)["Cara Carer"] == "patients_and_carers"
    assert lists.state_of(world["subject"]).amended is True


def test_a_group_of_another_cycle_and_the_limit_are_refused(staff_app: Flask,
                                                            world: dict[str, Any]):
    other = leader_cycle({"leader": factories.person("l2", "Lee Two")}).cycle
    foreign = add_group(other, "Students and trainees", "Myfyrwyr a hyfforddeion", 2)
    carer = factories.person("carer", "Cara Carer")
    with pytest.raises(InvalidInput, match="one of the cycle's own groups"):
        lists.leader_add(world["subject"], carer, foreign)
    db.session.rollback()
    group = _patients(world)
    staff_app.config["RATER_REQUEST_LIMIT"] = 0
    with pytest.raises(DomainError, match="has already been asked"):
        lists.leader_add(world["subject"], factories.person("c2", "Cai Carer"), group)


# -- the console: defining the groups -----------------------------------------------------

def test_hr_defines_and_removes_a_cycles_own_groups(world: dict[str, Any], hr: Any):
    cycle_id = world["subject"].cycle_id
    url = f"/hr/cycles/{cycle_id}/groups"
    assert f'href="{url}"' in hr.get(f"/hr/cycles/{cycle_id}").get_data(as_text=True)
    page = hr.get(url).get_data(as_text=True)
    assert "This cycle has no groups of its own." in page and "Add the group" in page
    done = _post(hr, url, action="add", name_en="Patients and carers",
                 name_cy="Cleifion a gofalwyr", min_size="4")
    assert done.status_code == 302 and "done=group_added" in done.headers["Location"]
    page = hr.get(done.headers["Location"]).get_data(as_text=True)
    assert "The group is added." in page and "Cleifion a gofalwyr" in page
    assert re.search(r"Patients and carers.*Cleifion a gofalwyr.*>4<", page, re.S)
    cycle = cycles.get_cycle(cycle_id)
    assert [(g.key, g.min_size) for g in cycle.custom_groups] == [("patients_and_carers", 4)]
    assert "Patients and carers (threshold 4)" in hr.get(f"/hr/cycles/{cycle_id}").get_data(
        as_text=True)
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "cycle.group_add" in actions
    # Nominated in: the removal is refused with the fix; then removed.
    nominate(world["subject"], factories.person("carer", "Cara Carer"), RaterGroup.CUSTOM,
             custom_group=cycle.custom_groups[0])
    db.session.commit()
    refused = _post(hr, url, action="remove", key="patients_and_carers")
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "There is a problem" in text and 'href="#groups"' in text
    assert "1 raters are nominated in Patients and carers; remove them first" in text
    db.session.execute(db.delete(Nomination))
    db.session.commit()
    removed = _post(hr, url, action="remove", key="patients_and_carers")
    assert removed.status_code == 302
    assert "The group is removed." in hr.get(removed.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert cycles.get_cycle(cycle_id).custom_groups == []
    assert "cycle.group_remove" in [e.action for e in db.session.scalars(select(AuditEvent))]


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"name_en": "", "name_cy": "Cleifion", "min_size": "3"}, "name_en",
     "Enter the group&#39;s name in English"),
    ({"name_en": "Patients", "name_cy": " ", "min_size": "3"}, "name_cy",
     "Enter the group&#39;s name in Welsh"),
    ({"name_en": "Patients", "name_cy": "Cleifion", "min_size": "three"}, "min_size",
     "Enter the threshold as a whole number, such as 3"),
    ({"name_en": "Patients", "name_cy": "Cleifion", "min_size": "1"}, "min_size",
     "The threshold must be at least 2, or one rater could be identified"),
    ({"name_en": "Patients", "name_cy": "Cleifion", "min_size": "99999999999"}, "min_size",
     "The threshold must be 1000 or fewer"),
    ({"name_en": "Peers", "name_cy": "Cymheiriaid", "min_size": "3"}, "name_en",
     "is a group every cycle has; name the cycle&#39;s own group differently"),
])
def test_a_group_hr_types_wrong_is_refused_beside_its_box(world: dict[str, Any], hr: Any,
                                                          typed: dict[str, str], field: str,
                                                          message: str):
    url = f"/hr/cycles/{world['subject'].cycle_id}/groups"
    reply = _post(hr, url, action="add", **typed)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "<title>Error:" in page
    assert f'href="#{field}"' in page and f'id="{field}-error"' in page and message in page
    assert f'value="{typed["name_en"]}"' in page  # what was typed is kept
    assert cycles.get_cycle(world["subject"].cycle_id).custom_groups == []


def test_every_problem_is_said_at_once(world: dict[str, Any], hr: Any):
    url = f"/hr/cycles/{world['subject'].cycle_id}/groups"
    page = _post(hr, url, action="add", name_en="Others", name_cy="Eraill",
                 min_size="0").get_data(as_text=True)
    assert 'href="#name_en"' in page and 'href="#min_size"' in page


def test_a_duplicate_group_is_refused_and_the_page_speaks_welsh(world: dict[str, Any],
                                                                hr: Any):
    _patients(world)
    url = f"/hr/cycles/{world['subject'].cycle_id}/groups"
    reply = _post(hr, url, action="add", name_en="patients and carers", name_cy="Cleifion",
                  min_size="3")
    assert reply.status_code == 400
    assert "already has the group Patients and carers" in reply.get_data(as_text=True)
    hr.get(f"/language/cy?next={url}")
    page = hr.get(url).get_data(as_text=True)
    assert '<html lang="cy"' in page and "Add the group" not in page
    assert "Cleifion a gofalwyr" in page
    # The examples are in their own languages, marked so (WCAG 3.1.2).
    assert 'Er enghraifft, <span lang="en">Patients and carers</span>' in page
    assert 'Er enghraifft, <span lang="cy">Cleifion a gofalwyr</span>' in page


def test_after_launch_the_groups_are_listed_read_only(staff_app: Flask, hr: Any):
    people = factories.team()
    cycle = factories.draft_cycle(people)
    add_group(cycle, "Partner organisations", "Sefydliadau partner", 3)
    cycles.launch(cycle)
    db.session.commit()
    url = f"/hr/cycles/{cycle.id}/groups"
    page = hr.get(url).get_data(as_text=True)
    assert "Partner organisations" in page and "Sefydliadau partner" in page
    assert "can no longer change" in page and "Add the group" not in page
    assert 'name="action" value="remove"' not in page
    refused = _post(hr, url, action="add", name_en="Students", name_cy="Myfyrwyr",
                    min_size="3")
    assert refused.status_code == 409 and "can only be changed while it is a draft" in \
        refused.get_data(as_text=True)
    assert [g.key for g in cycles.get_cycle(cycle.id).custom_groups] == ["partner_organisations"]


# -- nominating into a cycle's own group --------------------------------------------------

def test_hr_nominates_a_rater_in_a_cycles_own_group_from_the_console(world: dict[str, Any],
                                                                     hr: Any):
    _patients(world, k=3)
    carer = factories.person("carer", "Cara Carer")
    db.session.commit()
    subject = world["subject"]
    url = f"/hr/cycles/{subject.cycle_id}/leaders/{subject.id}/raters"
    page = hr.get(f"{url}?q=Cara").get_data(as_text=True)
    assert '<option value="custom_patients_and_carers">Patients and carers</option>' in page
    done = _post(hr, url, action="nominate", person=carer.id,
                 **{f"group-{carer.id}": "custom_patients_and_carers"})
    assert done.status_code == 302
    assert _in_group(world) == {"Cara Carer": "patients_and_carers"}
    page = hr.get(url).get_data(as_text=True)
    assert re.search(r"Patients and carers</td>\s*<td[^>]*>.*?1</td>\s*<td[^>]*>.*?3</td>",
                     page, re.S)
    assert ("Patients and carers scores will not be shown unless at least 3 of these 1 "
            "respond") in page
    # The list goes in the groups' order, the cycle's own last (not by the stored value,
    # where "custom" sorts before "manager").
    assert _post(hr, url, action="nominate", person=world["boss"].id,
                 **{f"group-{world['boss'].id}": "manager"}).status_code == 302
    listed = hr.get(url).get_data(as_text=True)
    assert listed.index(world["boss"].display_name) < listed.index("Cara Carer")
    other = factories.person("other", "Aled Other")
    db.session.commit()
    refused = _post(hr, url, action="nominate", person=other.id,
                    **{f"group-{other.id}": "custom_nobody"})
    assert refused.status_code == 400 and "Choose the rater&#39;s group" in \
        refused.get_data(as_text=True)
    hr.get(f"/language/cy?next={url}")
    page = hr.get(url).get_data(as_text=True)
    assert "Cleifion a gofalwyr" in page and "Patients and carers" not in page


def test_the_leader_and_manager_pages_offer_and_count_a_cycles_own_group(
        world: dict[str, Any], staff_app: Flask):
    _patients(world)
    leader = _client(staff_app, world["leader"], "192.0.2.21")
    carer = factories.person("carer", "Cara Carer")
    db.session.commit()
    url = f"/me/cycles/{world['subject'].id}/raters"
    page = leader.get(f"{url}?q=Cara").get_data(as_text=True)
    assert '<option value="custom_patients_and_carers">Patients and carers</option>' in page
    assert 'id="group-custom_patients_and_carers"' in page
    done = _post(leader, url, action="add", person=carer.id,
                 **{f"group-{carer.id}": "custom_patients_and_carers"})
    assert done.status_code == 303
    page = leader.get(url).get_data(as_text=True)
    section = page.split('id="group-custom_patients_and_carers"')[1].split("</section>")[0]
    assert "Cara Carer" in section and "1 chosen; 2 needed for this group to be shown." in section
    assert "Not enough yet" in section
    submit = leader.get(f"{url}/submit").get_data(as_text=True)
    assert ("Patients and carers scores will not be shown unless at least 2 of these 1 "
            "respond") in submit
    _post(leader, url, action="suggest")
    assert _post(leader, f"{url}/submit", accept_short="yes").status_code == 303

    manager = _client(staff_app, world["boss"], "192.0.2.22")
    approval = f"/team/approvals/{world['subject'].id}"
    second = factories.person("carer2", "Cai Carer")
    db.session.commit()
    page = manager.get(f"{approval}?q=Cai").get_data(as_text=True)
    assert "Patients and carers" in page and "Cara Carer" in page
    assert _post(manager, approval, action="add", person=second.id,
                 **{f"group-{second.id}": "custom_patients_and_carers"}).status_code == 303
    assert _in_group(world)["Cai Carer"] == "patients_and_carers"
    page = manager.get(approval).get_data(as_text=True)
    section = page.split('id="group-custom_patients_and_carers"')[1].split("</section>")[0]
    assert "2 chosen; 2 needed for this group to be shown." in section
    assert "Not enough yet" not in section
    manager.get(f"/language/cy?next={approval}")
    assert "Cleifion a gofalwyr" in manager.get(approval).get_data(as_text=True)
