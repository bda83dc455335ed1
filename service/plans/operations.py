"""A leader's action plan on their released report: the behaviours to choose from, saving
each part as they go, and the report re-rendered with the plan appended.

The choices come from the released version's own context (service/reports/context.py), so the
plan offers exactly what the report shows: its areas to develop and blind spots first, then
every behaviour by section. Re-rendering uses the same version's responses, so the
late-response rule (service/reports/versions.py) is untouched. Functions flush, never commit;
every change writes an audit row that names what changed, never the plan's text."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from service.audit.operations import record
from service.cycles.models import Subject
from service.db import after_commit, db
from service.errors import DomainError
from service.plans.models import ActionPlan
from service.reports.context import build_context, format_date
from service.reports.models import Report, ReportStatus
from service.reports.operations import report_inputs
from service.webhooks.events import emit

log = logging.getLogger(__name__)
TEXT_MAX = 5_000
FOCUS_MAX = 5
PARTS = ("focus", "actions", "support", "review", "consent")


def released_report(subject: Subject) -> Report | None:
    """The newest version released to the leader: the one the plan is written on."""
    return db.session.scalar(select(Report).where(
        Report.subject_id == subject.id, Report.status == ReportStatus.RELEASED)
        .order_by(Report.version.desc()).limit(1))


def plan_of(subject: Subject) -> ActionPlan | None:
    return db.session.scalar(select(ActionPlan).where(ActionPlan.subject_id == subject.id))


def report_context(report: Report) -> dict[str, Any]:
    return build_context(report_inputs(report))


def choices(context: dict[str, Any]) -> dict[str, Any]:
    """The behaviours a leader may focus on: the report's areas to develop and its largest
    blind spots first (as the report chose and ordered them; at most FOCUS_MAX blind spots,
    so a leader who rated themselves above everyone on everything is not offered the whole
    rubric as "suggested"), then each section's other behaviours."""
    suggested: dict[str, str] = {}
    for row in [*context["highlights"]["areas"], *context["gaps"]["blind"][:FOCUS_MAX]]:
        suggested.setdefault(row["id"], row["text"])
    sections = [{"title": section["title"],
                 "items": [(item["id"], item["text"]) for item in section["items"]
                           if item["id"] not in suggested]}
                for section in context["sections"]]
    return {"suggested": list(suggested.items()),
            "sections": [s for s in sections if s["items"]],
            "text": {item["id"]: item["text"] for s in context["sections"]
                     for item in s["items"]}}


def save_plan(subject: Subject, report: Report, parts: dict[str, dict[str, Any]],
              allowed_items: set[str]) -> ActionPlan:
    """Save the parts of the plan given (``PARTS``: each maps to its values), creating the plan
    on its first save: one revision and one audit row per save that changed something. The
    caller has checked the values' shapes; this checks them against the rules."""
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise DomainError(_l("unknown part of the plan: %(part)s", part=", ".join(unknown)))
    plan = plan_of(subject)
    if plan is None:
        plan = ActionPlan(subject=subject, focus=[], actions="", support="", revision=0,
                          appraisal_consent=False)
        db.session.add(plan)
    before = _snapshot(plan)
    if "focus" in parts:
        chosen = list(dict.fromkeys(parts["focus"]["focus"]))
        if set(chosen) - allowed_items:
            raise DomainError(_l("choose behaviours from your report"))
        if len(chosen) > FOCUS_MAX:
            raise DomainError(_l("choose at most %(n)d behaviours to focus on", n=FOCUS_MAX))
        plan.focus = chosen
    for part in ("actions", "support"):
        if part in parts:
            text = parts[part][part].strip()
            if len(text) > TEXT_MAX:
                raise DomainError(_l("write at most %(n)d characters", n=TEXT_MAX))
            setattr(plan, part, text)
    if "review" in parts:
        plan.review_on = parts["review"]["review_on"]
    if "consent" in parts:
        plan.appraisal_consent = bool(parts["consent"]["consent"])
    changed = [name for name, value in _snapshot(plan).items() if before.get(name) != value]
    if changed:
        plan.revision = (plan.revision or 0) + 1
        record("plan.save", "subject", subject.id,
               f"action plan on version {report.version}: {', '.join(changed)} saved"
               f"{_consent_words(plan) if 'appraisal_consent' in changed else ''}")
        emit("action_plan.updated", cycle_id=subject.cycle_id, subject_id=subject.id,
             leader_id=subject.person_id, report_version=report.version,
             plan_revision=plan.revision)
    db.session.flush()
    return plan


def _consent_words(plan: ActionPlan) -> str:
    return " (shared with appraisal)" if plan.appraisal_consent else " (not shared with appraisal)"


def _snapshot(plan: ActionPlan) -> dict[str, Any]:
    return {"focus": list(plan.focus or []), "actions": plan.actions or "",
            "support": plan.support or "", "review_on": plan.review_on,
            "appraisal_consent": bool(plan.appraisal_consent)}


def request_pdf(plan: ActionPlan) -> bool:
    """Ask the task queue for the report with this plan appended; False when the stored PDF
    already shows the latest save (nothing to do)."""
    if plan.pdf_revision == plan.revision:
        return False
    plan.pdf_requested = plan.revision
    db.session.flush()
    record("plan.pdf", "subject", plan.subject_id,
           f"report with the action plan requested (save {plan.revision})")
    after_commit(functools.partial(_queue_render, plan.id), key=f"render-plan-{plan.id}")
    return True


def _queue_render(plan_id: int) -> bool:
    try:
        current_app.extensions["tasks"].render_plan_report(plan_id)
    except Exception as exc:  # the queue being down: the page offers to ask again
        log.warning("could not queue a plan report (%s)", exc.__class__.__name__)
        return False
    return True


def plan_context(plan: ActionPlan, context: dict[str, Any]) -> dict[str, Any]:
    """The "My action plan" page's values, in the report's language."""
    lang = context["lang"]
    text = choices(context)["text"]
    return {"focus": [text[item] for item in plan.focus if item in text],
            "actions": plan.actions, "support": plan.support,
            "review_on": format_date(plan.review_on, lang) if plan.review_on else None,
            "updated_on": format_date(plan.updated_at.date(), lang)}


def render_plan_report(plan_id: int) -> bool:
    """Render the released version with the plan appended and store it, unless the plan was
    saved again meanwhile (then the stored PDF would be stale: the next request renders it).
    Runs in a worker (WeasyPrint is never imported by the web process)."""
    from service.reports.operations import context_logo
    from service.reports.pdf import render_report

    plan = db.session.get(ActionPlan, plan_id)
    if plan is None or plan.pdf_revision == plan.revision:
        return False
    report = released_report(plan.subject)
    if report is None:
        return False
    revision = plan.revision
    context = report_context(report)
    context["my_plan"] = plan_context(plan, context)
    rendered = render_report(context, Path(current_app.config["TEMPLATES_DIR"]),
                             logo=context_logo())
    done = db.session.execute(
        update(ActionPlan).where(ActionPlan.id == plan_id, ActionPlan.revision == revision)
        .values(pdf=rendered.pdf, pdf_revision=revision)
        .execution_options(synchronize_session=False))
    db.session.expire(plan)
    return done.rowcount == 1


def pdf_ready(plan: ActionPlan | None) -> bool:
    return plan is not None and plan.pdf_revision is not None and \
        plan.pdf_revision == plan.revision
