"""A threshold per rater group and a cycle's own groups, from the draft to the report: set by
the CLI and the API, kept through the rating link and the close, and shown in the report under
the group's name in the report's language only when the group reaches its own k."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from service.cycles import operations as cycles
from service.cycles.groups import add_group
from service.cycles.models import Cycle
from service.cycles.overview import cycle_lines
from service.cycles.preview import launch_preview
from service.cycles.progress import cycle_progress
from service.db import db
from service.leaders.overview import subject_progress
from service.nominations.groups import group_counts
from service.nominations.models import Nomination, RaterGroup
from service.nominations.operations import nominate
from service.reports.context import build_context
from service.reports.models import Report
from service.reports.operations import report_inputs
from service.responses.links import RatingLink
from service.responses.models import Response
from service.responses.operations import parse_rating_form, submit
from tests.factories import draft_cycle, person, team


def _submit(cycle: Cycle, nominations: list[Nomination], value: str) -> None:
    rubric = cycle.rubric_snapshot
    for nomination in nominations:
        form = MultiDict({f"item-{i['id']}": value
                          for s in rubric["sections"] for i in s["items"]})
        submit(nomination.invitation, parse_rating_form(rubric, form))
    db.session.commit()


def _cycle_with_patients(patients: int, k: int, **settings: Any) -> tuple[Cycle, list]:
    people = team()
    cycle = draft_cycle(people, **settings)
    group = add_group(cycle, "Patients and carers", "Cleifion a gofalwyr", k)
    subject = cycle.subjects[0]
    raters = [nominate(subject, person(f"patient{i}", f"Patient Person{i}"), RaterGroup.CUSTOM,
                       custom_group=group) for i in range(patients)]
    db.session.commit()
    return cycle, raters


def test_the_cli_sets_each_groups_k_and_the_cycles_own_groups(app, runner):
    people = team()
    cycle = draft_cycle(people)
    db.session.commit()
    edited = runner.invoke(args=["cycle", "edit", str(cycle.id), "--direct-report-min", "4",
                                 "--other-min", "5"])
    assert edited.exit_code == 0, edited.output
    added = runner.invoke(args=["cycle", "group-add", str(cycle.id), "--name-en",
                                "Partner organisations", "--name-cy", "Sefydliadau partner",
                                "--min-size", "4"])
    assert added.exit_code == 0 and "partner_organisations" in added.output, added.output
    listed = runner.invoke(args=["cycle", "groups", str(cycle.id)])
    assert "peer\tk=3" in listed.output and "direct_report\tk=4" in listed.output
    assert "partner_organisations\tk=4\tPartner organisations / Sefydliadau partner" in (
        listed.output)
    bad = runner.invoke(args=["cycle", "edit", str(cycle.id), "--peer-min", "1"])
    assert bad.exit_code == 1 and "peer_min must be at least 2" in bad.output
    back = runner.invoke(args=["cycle", "edit", str(cycle.id), "--direct-report-min",
                               "default"])
    assert back.exit_code == 0, back.output
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle.id)
    assert cycle.thresholds.for_group("direct_report") == 3
    assert cycle.thresholds.for_group("other") == 5
    taken = runner.invoke(args=["cycle", "group-add", str(cycle.id), "--name-en", "Peers",
                                "--name-cy", "Cymheiriaid", "--min-size", "3"])
    assert taken.exit_code == 1 and "every cycle has" in taken.output
    nominated = runner.invoke(args=["cycle", "nominate", str(cycle.id), "leader",
                                    person("partner", "Pat Partner").email,
                                    "partner_organisations"])
    assert nominated.exit_code == 0, nominated.output
    refused = runner.invoke(args=["cycle", "group-remove", str(cycle.id),
                                  "partner_organisations"])
    assert refused.exit_code == 1 and "remove them first" in refused.output
    counts = {c.group: (c.nominated, c.threshold) for c in group_counts(cycle.subjects[0])}
    assert counts["other"] == (0, 5)
    cancelled = runner.invoke(args=["cycle", "cancel", str(cycle.id)])
    assert cancelled.exit_code == 0, cancelled.output


def test_a_custom_group_reaching_its_k_is_shown_by_name_and_one_below_is_not(app):
    cycle, patients = _cycle_with_patients(4, 4, peer_min=2)
    key = "custom_patients_and_carers"
    assert launch_preview(cycle)["per_group"][key] == 4
    assert any(item == ("below_threshold", 1) for line in cycle_lines()
               for item in line.attention) is False
    cycles.launch(cycle)
    db.session.commit()
    progress = cycle_progress(cycle)["leaders"][0]["groups"]
    assert {"group": key, "invited": 4, "threshold": 4}.items() <= next(
        g for g in progress if g["group"] == key).items()
    assert next(g for g in progress if g["group"] == "peer")["threshold"] == 2
    leader_view = subject_progress(cycle.subjects[0])
    assert [row["group"] for row in leader_view][-1] == key
    assert cycle_lines()  # the HR home page's lines count the cycle's own groups too
    link = RatingLink.of(patients[0].invitation)
    assert (link.min_group_size, link.group_name("cy")) == (4, "Cleifion a gofalwyr")
    peers = db.session.scalars(select(Nomination).where(
        Nomination.group == RaterGroup.PEER)).all()
    _submit(cycle, patients[:3], "5")
    _submit(cycle, peers[:3], "2")
    cycles.close(cycle)
    db.session.commit()
    groups = {row.rater_group.value if row.custom_group_id is None else "patients"
              for row in db.session.scalars(select(Response))}
    assert groups == {"peer", "patients"}
    report = db.session.scalars(select(Report)).one()
    context = build_context(report_inputs(report))
    shown = {group["key"]: group["shown"] for group in context["groups"]}
    assert shown["custom_patients_and_carers"] is False and shown["peer"] is True
    assert [column["key"] for column in context["columns"]] == ["peer", "all_others"]
    # Three patients are below their k of 4, and too few to join "all others" unseen
    # (though "all others" itself needs only 3).
    for section in context["sections"]:
        assert section["scores"]["all_others"]["n"] == 3


def test_a_shown_custom_group_is_named_in_the_reports_language(app):
    cycle, patients = _cycle_with_patients(4, 4)
    cycles.launch(cycle)
    db.session.commit()
    _submit(cycle, patients, "5")
    cycles.close(cycle)
    db.session.commit()
    inputs = report_inputs(db.session.scalars(select(Report)).one())
    welsh = build_context(replace(inputs, leader=replace(inputs.leader, language="cy")))
    assert {"key": "custom_patients_and_carers", "label": "Cleifion a gofalwyr"} in (
        welsh["columns"])
    assert any(line.startswith("Cleifion a gofalwyr") for line in welsh["thresholds"]["groups"])
