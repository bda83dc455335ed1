"""The audit log: one entry per staff action, in the action's own transaction, append-only,
naming leaders and groups but never a rater with a time."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.audit.models import AuditEvent
from service.db import db
from tests.factories import draft_cycle, team


def _cli(runner: Any, *args: str) -> Any:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def _actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_every_hr_command_leaves_exactly_one_entry(app: Any, runner: Any) -> None:
    people = team(size_reports=3, size_peers=0)
    db.session.commit()
    today = dt.date.today()
    _cli(runner, "cycle", "create", "--name", "Spring", "--opens", str(today),
         "--closes", str(today + dt.timedelta(days=10)))
    assert _actions() == ["cycle.create"]
    cycle = str(db.session.scalar(db.select(db.func.max(AuditEvent.object_id))))
    steps = [
        (("cycle", "add-leader", cycle, "leader"), "cycle.add_leader"),
        (("cycle", "nominate", cycle, "leader", "report0", "direct_report"), "nomination.add"),
        (("cycle", "nominate", cycle, "leader", "report1", "direct_report"), "nomination.add"),
        (("cycle", "launch", cycle), "cycle.launch"),
        (("invitation", "reissue", cycle, "--leader", "leader", "--rater", "report0"),
         "invitation.reissue"),
        (("cycle", "close", cycle), "cycle.close"),
        (("report", "generate", cycle), "report.generate"),
        (("cycle", "reopen", cycle), "cycle.reopen"),
    ]
    for args, action in steps:
        before = _actions()
        _cli(runner, *args)
        assert _actions() == [*before, action], args
    events = db.session.scalars(db.select(AuditEvent)).all()
    assert {(e.address, e.actor.startswith("command line (")) for e in events} == {
        ("local", True)}
    reissue = next(e for e in events if e.action == "invitation.reissue")
    assert reissue.summary == "new personal link sent for a direct report of Alex Leader"
    rater_names = {p.display_name for p in people["reports"]} | {
        p.email for p in people["reports"]}
    assert not any(name in e.summary for e in events for name in rater_names)


def test_a_rolled_back_action_leaves_no_entry(app: Any, runner: Any) -> None:
    people = team(size_reports=2, size_peers=0)
    cycle = draft_cycle(people)
    db.session.commit()
    before = _actions()
    result = runner.invoke(args=["cycle", "add-cohort", str(cycle.id), "--under", "boss",
                                 "--all-staff", "--dry-run"])
    assert result.exit_code == 0 and "dry run, nothing saved" in result.output
    refused = runner.invoke(args=["cycle", "add-leader", str(cycle.id), "leader"])
    assert refused.exit_code == 1  # already a leader: refused, rolled back
    db.session.expire_all()
    assert _actions() == before


def test_entries_cannot_be_changed(app: Any, runner: Any) -> None:
    team(size_reports=1, size_peers=0)
    db.session.commit()
    _cli(runner, "cycle", "create", "--name", "X", "--opens", str(dt.date.today()),
         "--closes", str(dt.date.today() + dt.timedelta(days=5)))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_events SET summary = 'nothing happened'"))
    db.session.rollback()


def test_export_as_csv_with_filters(app: Any, runner: Any) -> None:
    team(size_reports=1, size_peers=0)
    db.session.commit()
    _cli(runner, "cycle", "create", "--name", "=HYPERLINK(\"http://x\",\"y\")", "--opens",
         str(dt.date.today()), "--closes", str(dt.date.today() + dt.timedelta(days=5)))
    cycle = str(db.session.scalar(db.select(db.func.max(AuditEvent.object_id))))
    _cli(runner, "cycle", "add-leader", cycle, "leader")
    output = _cli(runner, "audit", "export", "--action", "cycle.create").output
    rows = list(csv.DictReader(io.StringIO(output)))
    assert [r["action"] for r in rows] == ["cycle.create"]
    assert rows[0]["summary"].startswith("created draft cycle '=HYPERLINK")
    assert list(rows[0]) == ["at", "actor", "action", "object_type", "object_id", "summary",
                             "address"]
    everything = list(csv.DictReader(io.StringIO(_cli(runner, "audit", "export").output)))
    assert [r["action"] for r in everything] == ["cycle.add_leader", "cycle.create"]
