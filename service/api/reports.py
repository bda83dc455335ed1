"""Reports for the integration: where each leader's report is (no consent needed: nothing
from inside it), the summary, the PDF and the action plan when the leader shared them (or the
organisation's policy gives appraisal the summary). Every decision is asked of
service/sharing/integration.py; the summary is the report's own figures
(service/sharing/summaries.py). Leaders are named by their person id, as the people and cycle
endpoints name them.

Refusals are JSON with a stable code: 404 `not_a_leader` (the person is not a leader in the
cycle), 404 `not_released` (no version released to the leader yet), 403 `not_shared`,
`pdf_not_shared`, `action_plan_not_shared` (the leader has not shared that part), 404
`no_action_plan` (shared, but not written yet), 404 `no_pdf` (a released version without its
PDF). The appraisal evidence pack: 403 `evidence_pack_not_shared` (the leader has not shared
their report with the integration: the pack needs the leader's own consent, never the
organisation's policy), 404 `no_evidence_pack` (no pack issued, or it was withdrawn), 409
`evidence_pack_unavailable` (SECRET_KEY changed since the pack was issued: the leader issues
a new one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_smorest import Blueprint, abort
from marshmallow import RAISE, fields
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from service.api.calls import api_call
from service.api.errors import ErrorSchema
from service.api.schemas import PageArgs, UtcDateTime, page_envelope, page_of
from service.cycles import operations as cycles
from service.cycles.models import Cycle, Subject
from service.db import db
from service.evidence import operations as evidence
from service.evidence.models import EvidencePack
from service.evidence.pdf import render as render_pack
from service.evidence.schemas import EvidencePackOut
from service.people.models import Person
from service.reports.models import Report, ReportStatus
from service.reports.numbering import pdf_filename
from service.sharing import integration
from service.sharing.integration import Allowed, Part
from service.sharing.summaries import (
    LANGUAGES,
    Shared,
    plans_of,
    shared_summaries_page,
    summaries,
)
from service.validation import OneOf, Schema, String
from service.web.downloads import pdf_response

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1/cycles",
                description="Leaders' reports: status, and the summary, PDF and action plan "
                            "the leader shared with the integration.")

REFUSALS = {
    Part.SUMMARY: ("not_shared", "the leader has not shared this report's summary with the "
                                 "integration; only they can, on their report page"),
    Part.PDF: ("pdf_not_shared", "the leader has not shared this report's PDF with the "
                                 "integration; only they can, on their report page"),
    Part.PLAN: ("action_plan_not_shared", "the leader has not shared their action plan with "
                                          "the integration; only they can"),
}


class ReportStatusOut(Schema):
    person_id = fields.Integer(required=True)
    directory_id = fields.String(required=True)
    display_name = fields.String(required=True)
    released = fields.Boolean(required=True, metadata={
        "description": "a version has been released to the leader"})
    version = fields.Integer(allow_none=True, required=True, metadata={
        "description": "the newest released version, numbered as the report prints it"})
    released_at = UtcDateTime(allow_none=True, required=True)
    shared = fields.List(fields.String(metadata={"enum": [p.value for p in Part]}),
                         required=True, metadata={
                             "description": "what the integration may receive now: summary, "
                                            "comments, pdf, action_plan"})


ReportStatusPage = page_envelope(ReportStatusOut, "ReportStatusPage")


class Score(Schema):
    item_id = fields.String(required=True)
    text = fields.String(required=True)
    section = fields.String(required=True)
    others = fields.Float(required=True, metadata={"description": "all raters but self"})
    self = fields.Float(allow_none=True, required=True)


class Cell(Schema):
    mean = fields.Float(required=True)
    n = fields.Integer(required=True)


class SectionScores(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Nested(Cell), required=True,
                         metadata={"description": "by shown group (and all_others); a group "
                                                  "the report does not show is absent"})
    importance = fields.Dict(
        keys=fields.String(), values=fields.Nested(Cell), required=True,
        metadata={"description": "how important raters said the section is for the leader's "
                                 "role (when the rubric asks it), by shown group as scores; "
                                 "a cell below its threshold is absent; empty when not asked"})


class PriorityOut(Schema):
    section_id = fields.String(required=True)
    title = fields.String(required=True)
    importance = fields.Float(required=True, metadata={"description": "all others' mean"})
    score = fields.Float(required=True, metadata={"description": "all others' section mean"})


class GroupCount(Schema):
    group = fields.String(required=True)
    invited = fields.Integer(required=True)
    responded = fields.Integer(required=True)
    shown = fields.Boolean(required=True)


class CommentBlock(Schema):
    question = fields.String(required=True)
    comments = fields.List(fields.String(), required=True)


class Focus(Schema):
    item_id = fields.String(required=True)
    text = fields.String(required=True)


class ActionPlanOut(Schema):
    focus = fields.List(fields.Nested(Focus), required=True)
    actions = fields.String(required=True)
    support = fields.String(required=True)
    review_on = fields.Date(allow_none=True, required=True)
    updated_at = UtcDateTime(required=True)


class CycleRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class LeaderRef(Schema):
    person_id = fields.Integer(required=True)
    directory_id = fields.String(required=True)
    display_name = fields.String(required=True)


class RubricRef(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)


class SummaryOut(Schema):
    """The summary of the newest version released to the leader."""

    cycle = fields.Nested(CycleRef, required=True)
    leader = fields.Nested(LeaderRef, required=True)
    version = fields.Integer(required=True)
    released_on = fields.Date(allow_none=True, required=True)
    language = fields.String(required=True)
    rubric = fields.Nested(RubricRef, required=True)
    scale_max = fields.Integer(required=True)
    included = fields.List(fields.String(), required=True, metadata={
        "description": "what the integration may receive of this report"})
    by_policy = fields.Boolean(required=True, metadata={
        "description": "given by the organisation's policy, not by the leader's consent"})
    groups = fields.List(fields.Nested(GroupCount), required=True)
    columns = fields.List(fields.String(), required=True)
    sections = fields.List(fields.Nested(SectionScores), required=True)
    strengths = fields.List(fields.Nested(Score), required=True)
    areas_to_develop = fields.List(fields.Nested(Score), required=True)
    blind_spots = fields.List(fields.Nested(Score), required=True)
    priorities = fields.List(fields.Nested(PriorityOut), allow_none=True, required=True,
                             metadata={"description": "sections important to all others and "
                                                      "rated below the leader's average, most "
                                                      "important first; null when the rubric "
                                                      "does not ask importance"})
    comments = fields.List(fields.Nested(CommentBlock), allow_none=True, required=True,
                           metadata={"description": "null unless the leader included them"})
    action_plan = fields.Nested(ActionPlanOut, allow_none=True, required=True, metadata={
        "description": "null unless the leader shared it"})


SummaryPage = page_envelope(SummaryOut, "SummaryPage")


class LanguageArgs(Schema):
    language = String(validate=OneOf(LANGUAGES), metadata={
        "description": "the texts' language (en, cy); by default the report's own"})


class SummaryPageArgs(PageArgs, LanguageArgs):
    pass


def _leader(cycle_id: int, person_id: int) -> Subject:
    cycle = cycles.get_cycle(cycle_id)
    subject = db.session.scalar(select(Subject).where(Subject.cycle_id == cycle.id,
                                                      Subject.person_id == person_id))
    if subject is None:
        abort(404, code="not_a_leader",
              message=f"person {person_id} is not a leader in cycle {cycle_id}; "
                      f"GET /api/v1/cycles/{cycle_id}/reports lists its leaders")
    return subject


def _shared(subject: Subject, part: Part) -> tuple[Report, Allowed]:
    allowed = integration.allowed_for(subject)
    report = integration.released_reports([subject.id]).get(subject.id)
    if report is None:
        abort(404, code="not_released",
              message="no version of this report has been released to the leader yet; "
                      "GET …/reports/{person_id} says when it is")
    if not allowed.allows(part):
        code, message = REFUSALS[part]
        abort(403, code=code, message=message)
    return report, allowed


def _display_versions(reports: Sequence[Report]) -> dict[int, int]:
    """Each report's number as printed (1 + the versions a reader had before), one query."""
    ids = [r.subject_id for r in reports]
    seen = db.session.execute(select(Report.subject_id, Report.version).where(
        Report.subject_id.in_(ids), Report.status.in_([s for s in ReportStatus if s.seen]))
    ).all()
    return {r.subject_id: 1 + sum(1 for s, v in seen if s == r.subject_id and v < r.version)
            for r in reports}


def _statuses(subjects: Sequence[Subject]) -> list[dict[str, Any]]:
    ids = [s.id for s in subjects]
    newest = integration.released_reports(ids)
    allowed = integration.allowed_for_many(ids)
    numbers = _display_versions(list(newest.values()))
    rows = []
    for subject in subjects:
        report = newest.get(subject.id)
        rows.append({"person_id": subject.person.id,
                     "directory_id": subject.person.directory_id,
                     "display_name": subject.person.display_name,
                     "released": report is not None,
                     "version": numbers.get(subject.id),
                     "released_at": report.released_at if report else None,
                     "shared": allowed[subject.id].parts})
    return rows


def _subjects_page(cycle: Cycle, offset: int, limit: int) -> tuple[list[Subject], int]:
    query = select(Subject).join(Person, Subject.person_id == Person.id).where(
        Subject.cycle_id == cycle.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    subjects = list(db.session.scalars(query.options(joinedload(Subject.person))
                                       .order_by(Person.id).offset(offset).limit(limit)))
    return subjects, total


def _refusals(*codes: tuple[int, str]) -> Any:
    def decorate(view: Any) -> Any:
        for status, what in codes:
            view = blp.alt_response(status, schema=ErrorSchema, description=what)(view)
        return view
    return decorate


@blp.route("/<id:cycle_id>/reports", methods=["GET"])
@api_call(blp, "reports:read")
@blp.arguments(PageArgs, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, ReportStatusPage)
def statuses(cycle_id: int, **args: Any) -> dict[str, Any]:
    """Each leader's report in the cycle: released or not, the version and when, and what
    the leader shared with the integration (nothing from inside the report)."""
    offset, limit = page_of(args)
    subjects, total = _subjects_page(cycles.get_cycle(cycle_id), offset, limit)
    return {"items": _statuses(subjects), "page": args["page"], "per_page": args["per_page"],
            "total": total}


@blp.route("/<id:cycle_id>/reports/<id:person_id>", methods=["GET"])
@api_call(blp, "reports:read")
@_refusals((404, "no such cycle, or the person is not a leader in it (not_a_leader)"))
@blp.response(200, ReportStatusOut)
def status(cycle_id: int, person_id: int) -> dict[str, Any]:
    """One leader's report: released or not, the version and when, and what they shared."""
    return _statuses([_leader(cycle_id, person_id)])[0]


@blp.route("/<id:cycle_id>/summaries", methods=["GET"])
@api_call(blp, "reports:read")
@blp.arguments(SummaryPageArgs, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, SummaryPage)
def summary_page(cycle_id: int, **args: Any) -> dict[str, Any]:
    """The summaries the integration may have in the cycle (released, and shared by the
    leader or given by the organisation's policy), a page at a time in person id order."""
    offset, limit = page_of(args)
    items, total = shared_summaries_page(cycles.get_cycle(cycle_id), offset, limit,
                                         args.get("language"))
    return {"items": items, "page": args["page"], "per_page": args["per_page"],
            "total": total}


@blp.route("/<id:cycle_id>/reports/<id:person_id>/summary", methods=["GET"])
@api_call(blp, "reports:read")
@blp.arguments(LanguageArgs, location="query", as_kwargs=True, unknown=RAISE)
@_refusals((403, "the leader has not shared the summary (not_shared)"),
           (404, "not a leader (not_a_leader), or nothing released yet (not_released)"))
@blp.response(200, SummaryOut)
def summary(cycle_id: int, person_id: int, **args: Any) -> dict[str, Any]:
    """The summary of the newest version released to the leader: section scores by shown
    group, strengths, areas to develop, blind spots, the version and its date; comments and
    the action plan only if the leader shared them."""
    subject = _leader(cycle_id, person_id)
    report, allowed = _shared(subject, Part.SUMMARY)
    plan = plans_of([subject.id]).get(subject.id)
    return summaries([Shared(subject, report, allowed, plan)], args.get("language"))[0]


@blp.route("/<id:cycle_id>/reports/<id:person_id>/pdf", methods=["GET"])
@api_call(blp, "reports:read")
@_refusals((403, "the leader has not shared the PDF (pdf_not_shared)"),
           (404, "not a leader (not_a_leader), or nothing released yet (not_released)"))
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf",
              description="the PDF of the newest released version, not to be cached")
def pdf(cycle_id: int, person_id: int) -> Any:
    """The PDF of the newest version released to the leader (the whole report, comments
    included), when the leader shared it."""
    subject = _leader(cycle_id, person_id)
    report, _ = _shared(subject, Part.PDF)
    content = db.session.scalar(select(Report.pdf).where(Report.id == report.id))
    if content is None:
        abort(404, code="no_pdf", message="this version has no PDF; HR can make the reports "
                                          "again (`feedback360 report generate`)")
    return pdf_response(content, pdf_filename(report))


@blp.route("/<id:cycle_id>/reports/<id:person_id>/action-plan", methods=["GET"])
@api_call(blp, "reports:read")
@_refusals((403, "the leader has not shared the action plan (action_plan_not_shared)"),
           (404, "not a leader, nothing released yet, or no plan written (no_action_plan)"))
@blp.response(200, ActionPlanOut)
def action_plan(cycle_id: int, person_id: int) -> dict[str, Any]:
    """The leader's action plan, when they shared it with appraisal."""
    subject = _leader(cycle_id, person_id)
    report, allowed = _shared(subject, Part.PLAN)
    plan = plans_of([subject.id]).get(subject.id)
    if plan is None:
        abort(404, code="no_action_plan", message="the leader has not written an action plan")
    return summaries([Shared(subject, report, allowed, plan)])[0]["action_plan"]


def _evidence_pack(cycle_id: int, person_id: int) -> EvidencePack:
    """The leader's current pack, if they shared their report with the integration (their
    own consent: the pack says more than the summary about what followed the report, the
    session and the plan, so the organisation's policy does not give it)."""
    subject = _leader(cycle_id, person_id)
    if integration.released_reports([subject.id]).get(subject.id) is None:
        abort(404, code="not_released",
              message="no version of this report has been released to the leader yet; "
                      "GET …/reports/{person_id} says when it is")
    if integration.active_consent(subject) is None:
        abort(403, code="evidence_pack_not_shared",
              message="the leader has not shared their report with the integration; only "
                      "they can, on their report page")
    pack = evidence.active_pack(subject)
    if pack is None:
        abort(404, code="no_evidence_pack",
              message="the leader has no current appraisal evidence pack; only they can "
                      "issue one, on their report page")
    return pack


def _pack_token(pack: EvidencePack) -> str:
    try:
        return evidence.token_of(pack)
    except evidence.PackUnavailable:
        abort(409, code="evidence_pack_unavailable",
              message="this evidence pack can no longer be made (the service's secret key "
                      "changed since it was issued); the leader can issue a new one")
        raise  # abort raises; for the type checker


@blp.route("/<id:cycle_id>/reports/<id:person_id>/evidence-pack", methods=["GET"])
@api_call(blp, "reports:read")
@_refusals((403, "the leader has not shared their report (evidence_pack_not_shared)"),
           (404, "not a leader, nothing released yet, or no current pack (no_evidence_pack)"),
           (409, "the pack can no longer be made: the leader issues a new one "
                 "(evidence_pack_unavailable)"))
@blp.response(200, EvidencePackOut)
def evidence_pack(cycle_id: int, person_id: int) -> dict[str, Any]:
    """The leader's appraisal evidence pack as JSON: the record (cycle, dates, raters per
    group, facilitated session, action plan; section scores only if the leader included
    them), its SHA-256 digest and the verification link."""
    pack = _evidence_pack(cycle_id, person_id)
    _pack_token(pack)
    return evidence.document(pack)


@blp.route("/<id:cycle_id>/reports/<id:person_id>/evidence-pack/pdf", methods=["GET"])
@api_call(blp, "reports:read")
@_refusals((403, "the leader has not shared their report (evidence_pack_not_shared)"),
           (404, "not a leader, nothing released yet, or no current pack (no_evidence_pack)"),
           (409, "the pack can no longer be made: the leader issues a new one "
                 "(evidence_pack_unavailable)"))
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf",
              description="the one-page PDF of the pack, not to be cached")
def evidence_pack_pdf(cycle_id: int, person_id: int) -> Any:
    """The leader's appraisal evidence pack as its one-page PDF."""
    pack = _evidence_pack(cycle_id, person_id)
    url = evidence.verification_url(_pack_token(pack))
    return pdf_response(render_pack(pack, url), evidence.filename(pack, "pdf"))
