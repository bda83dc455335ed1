"""`feedback360 export progress|summaries`: CSV with the documented columns (importance rows
as the JSON's importance), JSON as the API answers, only the summaries the integration may
have, formula cells made text, one audit row per export of summaries, and a readable line for a
cycle that does not exist."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.db import db
from service.sharing import integration
from service.sharing.exports import PROGRESS_COLUMNS, SUMMARY_COLUMNS
from tests import factories
from tests.leaders.support import released_report


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    people = factories.team(size_reports=3, size_peers=2)
    people["leader"].display_name = "=HYPERLINK(\"http://x\")"
    subject = released_report(people["leader"], people["boss"], people["reports"],
                              peers=people["peers"], comment="Listens well.")
    db.session.commit()
    return {**people, "subject": subject, "cycle": subject.cycle}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_progress_as_csv_and_json(runner, world):
    cycle = world["cycle"]
    result = runner.invoke(args=["export", "progress", str(cycle.id)])
    assert result.exit_code == 0, result.output
    rows = _csv(result.output)
    assert tuple(rows[0]) == PROGRESS_COLUMNS
    assert {r["group"] for r in rows} == {"self", "manager", "peer", "direct_report"}
    assert rows[0]["leader"].startswith("'=")  # a formula made text
    peers = next(r for r in rows if r["group"] == "peer")
    assert (peers["invited"], peers["responded"], peers["threshold"]) == ("2", "2", "3")
    as_json = json.loads(runner.invoke(args=["export", "progress", str(cycle.id), "--format",
                                             "json"]).output)
    assert as_json["cycle"] == cycle.id and as_json["leaders"][0]["groups"]
    assert "email_issues" not in as_json["leaders"][0]


def test_summaries_only_as_shared(runner, world):
    cycle = world["cycle"]
    empty = runner.invoke(args=["export", "summaries", str(cycle.id)])
    assert empty.exit_code == 0 and _csv(empty.output) == []
    integration.give_consent(world["subject"])
    db.session.commit()
    rows = _csv(runner.invoke(args=["export", "summaries", str(cycle.id)]).output)
    assert tuple(rows[0]) == SUMMARY_COLUMNS
    kinds = {r["kind"] for r in rows}
    assert {"section_score", "importance", "strength", "area_to_develop", "blind_spot"} <= kinds
    assert "comment" not in kinds
    assert "peer" not in {r["group"] for r in rows}  # a group the report does not show
    # Importance (the rubric asks it; everyone said how important the first section is):
    # one row per shown group, as the JSON summary has it, hidden peers in none.
    items = json.loads(runner.invoke(args=["export", "summaries", str(cycle.id), "--format",
                                           "json"]).output)
    first = items[0]["sections"][0]
    assert first["importance"]
    weights = [r for r in rows if r["kind"] == "importance"]
    assert [(r["id"], r["text"], r["group"], float(r["score"]), int(r["n"])) for r in weights] == [
        (first["id"], first["title"], group, cell["mean"], cell["n"])
        for group, cell in first["importance"].items()]
    assert {r["group"] for r in weights} == {"self", "manager", "direct_report", "all_others"}
    assert {r["score"] for r in weights} == {"5.0"} and all(not r["self"] for r in weights)
    assert [r["kind"] for r in rows].index("importance") > max(
        i for i, r in enumerate(rows) if r["kind"] == "section_score")
    integration.give_consent(world["subject"], comments=True)
    db.session.commit()
    rows = _csv(runner.invoke(args=["export", "summaries", str(cycle.id)]).output)
    assert [r["text"] for r in rows if r["kind"] == "comment"] == ["Listens well."] * 3
    items = json.loads(runner.invoke(args=["export", "summaries", str(cycle.id), "--format",
                                           "json", "--language", "cy"]).output)
    assert len(items) == 1 and items[0]["language"] == "cy"
    assert items[0]["comments"] and items[0]["released_on"]
    exported = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export.summaries")).all()
    assert [e.summary for e in exported][-1].startswith("1 consented report summaries")


def test_an_unknown_cycle_is_one_line(runner, world):
    result = runner.invoke(args=["export", "summaries", "999999"])
    assert result.exit_code == 1 and "no cycle with id 999999" in result.output
    assert runner.invoke(args=["export", "progress", "0"]).exit_code == 2
