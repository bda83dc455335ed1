"""Nominations on the HR console: counts per group against thresholds with warnings,
suggestions as one action, removal before launch only, and the launch preview."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from service.audit.models import AuditEvent
from service.cycles import operations as cycles
from service.cycles.preview import launch_preview
from service.db import db
from service.errors import DomainError
from service.nominations.groups import group_counts
from service.nominations.models import Nomination, RaterGroup
from service.nominations.operations import find_nomination, nominate, remove_nomination
from tests.factories import draft_cycle, person, team

RUBRIC = "compassionate-inclusive-leadership"


def _cli(runner: Any, *args: str, code: int = 0) -> Any:
    result = runner.invoke(args=list(args))
    assert result.exit_code == code, result.output
    return result


def test_group_counts_say_which_group_cannot_reach_its_threshold(app):
    people = team(size_reports=4, size_peers=2)
    cycle = draft_cycle(people)
    counts = {c.group: c.as_dict() for c in group_counts(cycle.subjects[0])}
    assert counts == {
        "self": {"group": "self", "nominated": 1, "threshold": 1, "can_reach": True,
                 "warning": None},
        "manager": {"group": "manager", "nominated": 1, "threshold": 1, "can_reach": True,
                    "warning": None},
        "peer": {"group": "peer", "nominated": 2, "threshold": 3, "can_reach": False,
                 "warning": "peer scores will not be shown unless at least 3 of these 2 "
                            "respond"},
        "direct_report": {"group": "direct_report", "nominated": 4, "threshold": 3,
                          "can_reach": True, "warning": None},
        "other": {"group": "other", "nominated": 0, "threshold": 3, "can_reach": False,
                  "warning": "nobody is nominated as other: the report will have no other "
                             "scores"},
    }


def test_suggesting_is_one_action_and_removal_works_only_before_launch(app, runner):
    people = team(size_reports=3, size_peers=3)
    cycle = cycles.create_cycle("Spring", RUBRIC, dt.date.today(),
                                dt.date.today() + dt.timedelta(days=14))
    cycles.add_subject(cycle, people["leader"])
    db.session.commit()
    before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    suggested = _cli(runner, "cycle", "suggest-raters", str(cycle.id), "leader")
    assert suggested.output.splitlines()[0] == "8 raters nominated"
    assert "  peer: 3 nominated, 3 needed" in suggested.output
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before + 1

    removed = _cli(runner, "cycle", "remove-nomination", str(cycle.id), "leader", "peer0")
    assert ("  peer: 2 nominated, 3 needed -- peer scores will not be shown unless at least "
            "3 of these 2 respond") in removed.output
    event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.summary) == ("nomination.remove",
                                             "a peer rater removed for Alex Leader")
    as_json = json.loads(_cli(runner, "cycle", "nominations", str(cycle.id), "leader",
                              "--json").output)
    assert {row["group"]: row["nominated"] for row in as_json} == {
        "self": 1, "manager": 1, "peer": 2, "direct_report": 3, "other": 0}
    missing = _cli(runner, "cycle", "remove-nomination", str(cycle.id), "leader", "peer0",
                   code=1)
    assert missing.output.strip() == (f"Error: Peer Person0 is not nominated for Alex Leader "
                                      f"in cycle {cycle.id}")

    cycles.launch(cycle)
    db.session.commit()
    subject = cycle.subjects[0]
    nomination = find_nomination(subject, people["peers"][1])
    with pytest.raises(DomainError) as refused:
        remove_nomination(nomination)
    # The same words whatever the rater did: nothing tells whether they answered.
    assert str(refused.value) == (
        f"cycle {cycle.id} is open: raters can only be removed before launch: once their link "
        "is out, a removal could discard an answer already given; the rater can decline "
        "through their own link")
    db.session.rollback()
    assert db.session.get(Nomination, nomination.id) is not None


def test_launch_preview_counts_emails_per_group_and_leader(app, runner):
    people = team(size_reports=3, size_peers=2)
    cycle = draft_cycle(people)
    second = person("second", "Sam Second", manager=people["boss"])
    subject = cycles.add_subject(cycle, second)
    nominate(subject, people["boss"], RaterGroup.MANAGER)  # the boss gets two emails
    lonely = cycles.add_subject(cycle, person("lonely", "Lee Lonely"))
    db.session.commit()
    preview = launch_preview(cycle)
    assert preview["emails"] == 8 and preview["recipients"] == 7
    assert preview["per_group"] == {"self": 1, "manager": 2, "peer": 2, "direct_report": 3,
                                    "other": 0}
    assert [(row["leader"], row["emails"]) for row in preview["leaders"]] == [
        ("Alex Leader", 7), ("Lee Lonely", 0), ("Sam Second", 1)]
    assert ("peer scores will not be shown unless at least 3 of these 2 respond"
            in preview["leaders"][0]["warnings"])
    assert preview["problems"] == ["nobody is nominated to rate Lee Lonely"]
    assert preview["reminders"] == [
        {"days_before_close": 7, "on": (cycle.closes_on - dt.timedelta(days=7)).isoformat()},
        {"days_before_close": 2, "on": (cycle.closes_on - dt.timedelta(days=2)).isoformat()}]
    text = _cli(runner, "cycle", "preview", str(cycle.id)).output
    assert f"cycle {cycle.id} (Test cycle): 8 invitation emails to 7 people" in text
    assert "cannot launch: nobody is nominated to rate Lee Lonely" in text
    # what the preview promised is what launch does
    db.session.delete(lonely)
    db.session.commit()
    tokens = cycles.launch(cycle)
    assert len(tokens) == launch_preview(cycle)["emails"] == 8
