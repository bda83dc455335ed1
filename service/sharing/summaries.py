"""The summary the integration receives of a released report, as plain data.

Built from the report's own context (service/reports/context.py: `build_context` over
`compute_results`), so the anonymity rules are not repeated here: a group the report does not
show has no cell in it, and so none here. What is taken from the context is only what the
summary holds: section scores and importance by shown group, priorities, strengths, areas to
develop, blind spots, the version and its date; the comments only when the leader chose them;
the action plan only when the leader agreed. Nothing is worked out twice: the leader's page,
the PDF and this read the same figures. A page of summaries costs a fixed number of queries
(`reports_inputs`, `allowed_for_many`), whatever its size."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from service.cycles.models import Cycle, Subject
from service.db import db
from service.people.models import Person
from service.plans.models import ActionPlan
from service.reports.context import build_context
from service.reports.models import Report, ReportStatus
from service.reports.operations import reports_inputs
from service.sharing import integration
from service.sharing.integration import Allowed
from service.sharing.models import IntegrationConsent

LANGUAGES = ("en", "cy")


@dataclass(frozen=True)
class Shared:
    """One leader's released report, what the integration may have of it, and their plan."""

    subject: Subject
    report: Report
    allowed: Allowed
    plan: ActionPlan | None


def plans_of(subject_ids: Sequence[int]) -> dict[int, ActionPlan]:
    return {plan.subject_id: plan for plan in db.session.scalars(
        select(ActionPlan).where(ActionPlan.subject_id.in_(list(subject_ids))))}


def summaries(rows: Sequence[Shared], language: str | None = None) -> list[dict[str, Any]]:
    """The summary of each row, in ``language`` (en, cy) or else the report's own."""
    inputs = reports_inputs([row.report for row in rows], previous=False)
    made = []
    for row, found in zip(rows, inputs, strict=True):
        if language:
            found = dataclasses.replace(found, leader=dataclasses.replace(found.leader,
                                                                          language=language))
        made.append(summary_of(row, build_context(found)))
    return made


def _scores(row: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": row["id"], "text": row["text"], "section": row["section"],
            "others": row["others"], "self": row["self"]}


def _cells(scores: dict[str, Any]) -> dict[str, Any]:
    """Shown cells only: a hidden group's cell is None in the context, and absent here."""
    return {column: {"mean": cell["mean"], "n": cell["n"]}
            for column, cell in scores.items() if cell is not None}


def summary_of(row: Shared, context: dict[str, Any]) -> dict[str, Any]:
    subject, report, allowed = row.subject, row.report, row.allowed
    person, cycle = subject.person, subject.cycle
    released = report.released_at
    text = {item["id"]: item["text"] for section in context["sections"]
            for item in section["items"]}
    return {
        "cycle": {"id": cycle.id, "name": cycle.name},
        "leader": {"person_id": person.id, "directory_id": person.directory_id,
                   "display_name": person.display_name},
        "version": context["version"],
        "released_on": released.date() if isinstance(released, dt.datetime) else None,
        "language": context["lang"],
        "rubric": {"id": cycle.rubric_id, "version": context["rubric"]["version"],
                   "title": context["rubric"]["title"]},
        "scale_max": context["scale"]["max"],
        "included": allowed.parts,
        "by_policy": allowed.consent is None and allowed.by_policy,
        "groups": [{"group": group["key"], "invited": group["invited"],
                    "responded": group["responded"], "shown": group["shown"]}
                   for group in context["groups"]],
        "columns": [column["key"] for column in context["columns"]],
        "sections": [{"id": section["id"], "title": section["title"],
                      "scores": _cells(section["scores"]),
                      "importance": _cells(section["importance"])}
                     for section in context["sections"]],
        "strengths": [_scores(r) for r in context["highlights"]["strengths"]],
        "areas_to_develop": [_scores(r) for r in context["highlights"]["areas"]],
        "blind_spots": [_scores(r) for r in context["gaps"]["blind"]],
        "priorities": [{"section_id": p["id"], "title": p["title"],
                        "importance": p["importance"], "score": p["score"]}
                       for p in context["importance"]["priorities"]]
        if context["importance"]["asked"] else None,
        "comments": [{"question": block["question"], "comments": list(block["comments"])}
                     for block in context["comments"]] if allowed.comments else None,
        "action_plan": plan_summary(row.plan, text) if allowed.action_plan and row.plan
        else None,
    }


def plan_summary(plan: ActionPlan, text: dict[str, str]) -> dict[str, Any]:
    """The leader's action plan as they wrote it, the behaviours named as in the report."""
    return {"focus": [{"item_id": item, "text": text[item]} for item in plan.focus
                      if item in text],
            "actions": plan.actions, "support": plan.support, "review_on": plan.review_on,
            "updated_at": plan.updated_at}


def shared_rows(subjects: Sequence[Subject]) -> list[Shared]:
    ids = [s.id for s in subjects]
    newest = integration.released_reports(ids)
    allowed = integration.allowed_for_many(ids)
    plans = plans_of(ids)
    return [Shared(s, newest[s.id], allowed[s.id], plans.get(s.id)) for s in subjects]


def shared_summaries_page(cycle: Cycle, offset: int, limit: int,
                          language: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """A page of the summaries the integration may have in the cycle (leaders in person id
    order), and how many there are: a fixed number of queries whatever the page's size."""
    released = select(Report.subject_id).where(Report.status == ReportStatus.RELEASED)
    consented = select(IntegrationConsent.subject_id).where(
        IntegrationConsent.withdrawn_at.is_(None))
    query = select(Subject).where(Subject.cycle_id == cycle.id, Subject.id.in_(released))
    if not integration.policy_gives_summary():
        query = query.where(Subject.id.in_(consented))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    subjects = list(db.session.scalars(
        query.join(Person, Subject.person_id == Person.id)
        .options(joinedload(Subject.person), joinedload(Subject.cycle))
        .order_by(Person.id).offset(offset).limit(limit)))
    return summaries(shared_rows(subjects), language), total
