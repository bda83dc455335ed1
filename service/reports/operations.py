"""A cycle's reports: prepare a version per leader when the cycle closes, render it on the task
queue, release it (to the facilitator first when the cycle says so), hand it over.

Every function flushes; the caller (a CLI command or a task) commits. Rendering is the slow part
and runs in worker processes (`feedback360 worker --worker-type process`), one task a report.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import joinedload

from service.audit.operations import record
from service.cycles.models import Cycle, CycleState, Subject
from service.db import after_commit, db, private_file, utcnow
from service.errors import DomainError, state_name
from service.nominations.models import Nomination
from service.reports import analysis
from service.reports.context import (
    Branding,
    CycleFacts,
    Leader,
    Previous,
    ReportInputs,
    build_context,
)
from service.reports.models import Report, ReportStatus
from service.reports.notices import notify_report_ready
from service.reports.numbering import SEEN, display_version
from service.reports.versions import Version, difference_problems
from service.responses.holding import held_counts
from service.responses.models import Response
from service.responses.results import RaterAnswers, Thresholds, compute_results
from service.webhooks.events import emit

log = logging.getLogger(__name__)


def thresholds(cycle: Cycle) -> Thresholds:
    return cycle.thresholds


def _raters(responses: Sequence[Response], cycle: Cycle) -> list[RaterAnswers]:
    """The responses as the results module takes them, each under its group's key."""
    keys = {group.id: group.results_key for group in cycle.custom_groups}
    return [RaterAnswers(_key(r, keys), r.answers, r.comments) for r in responses]


def _key(response: Response, custom: dict[int, str]) -> str:
    if response.custom_group_id is not None:
        return custom[response.custom_group_id]
    return response.rater_group.value


def _responses(subject_id: int, ids: Sequence[str] | None = None) -> list[Response]:
    """A subject's responses in a fixed order (by their random id, which says nothing)."""
    query = select(Response).where(Response.subject_id == subject_id)
    responses = sorted(db.session.scalars(query), key=lambda r: str(r.id))
    if ids is not None:
        wanted = set(ids)
        responses = [r for r in responses if str(r.id) in wanted]
    return responses


def _version(rubric: dict, responses: Sequence[Response], cycle: Cycle) -> Version:
    raters = _raters(responses, cycle)
    keys: dict[str, list[str]] = {}
    for response, rater in zip(responses, raters, strict=True):
        keys.setdefault(rater.group, []).append(str(response.id))
    return Version(compute_results(rubric, raters, thresholds(cycle)), keys)


@dataclass(frozen=True)
class Admitted:
    """The responses the next version may count, and how many later ones must wait."""

    responses: list[Response]
    held_back: int


def admitted_responses(subject: Subject) -> Admitted:
    """Every response, unless a reader already has a version that the new one could be
    subtracted from (service/reports/versions.py): then the late ones wait, all together."""
    cycle = subject.cycle
    everything = _responses(subject.id)
    seen = [r for r in _reports(subject) if r.status.seen]
    if not seen:
        return Admitted(everything, 0)
    candidate = _version(cycle.rubric_snapshot, everything, cycle)
    for report in seen:
        earlier = _version(cycle.rubric_snapshot, _responses(subject.id, report.response_ids),
                           cycle)
        if difference_problems(earlier, candidate, thresholds(cycle)):
            latest = _responses(subject.id, seen[-1].response_ids)
            return Admitted(latest, len(everything) - len(latest))
    return Admitted(everything, 0)


def _reports(subject: Subject) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.subject_id == subject.id)
                                   .order_by(Report.version)))


def current_report(subject: Subject) -> Report | None:
    """The newest version that is not superseded: what release and download work on."""
    reports = [r for r in _reports(subject) if r.status != ReportStatus.SUPERSEDED]
    return reports[-1] if reports else None


def prepare_reports(cycle: Cycle) -> list[Report]:
    """Queue a new version for each leader whose counted responses changed (all of them the
    first time); returns the queued rows, which go to the task queue once this is committed.
    The cohort's averages are worked out here, once for the cycle."""
    if cycle.state not in (CycleState.CLOSED, CycleState.RELEASED):
        raise DomainError(_l("cycle %(id)s is %(state)s; close it first (`feedback360 cycle "
                             "close %(id)s`) so reports do not change under a reader",
                             id=cycle.id, state=state_name(cycle)))
    admitted = {subject.id: admitted_responses(subject) for subject in cycle.subjects}
    waiting = held_counts(cycle)  # late answers the storage still holds (responses/holding.py)
    cohort = analysis.cohort_means([
        analysis.section_means(_version(cycle.rubric_snapshot, a.responses, cycle).results)
        for a in admitted.values()]) or None
    queued = []
    for subject in cycle.subjects:
        chosen = admitted[subject.id]
        chosen = Admitted(chosen.responses, chosen.held_back + waiting.get(subject.id, 0))
        ids = sorted(str(r.id) for r in chosen.responses)
        current = current_report(subject)
        if current is not None and current.response_ids == ids:
            current.held_back = chosen.held_back  # late ones still waiting: HR sees how many
            if current.status == ReportStatus.FAILED:  # same content: try the same row again
                current.status, current.error = ReportStatus.QUEUED, None
                current.renderer, current.leased_at = None, utcnow()
                queued.append(current)
            elif current.status == ReportStatus.QUEUED:
                queued.append(current)
            continue
        if current is not None and not current.status.seen:
            current.status = ReportStatus.SUPERSEDED
            current.pdf = None
        version = 1 + (db.session.scalar(select(func.max(Report.version))
                                         .where(Report.subject_id == subject.id)) or 0)
        report = Report(subject=subject, version=version, status=ReportStatus.QUEUED,
                        response_ids=ids, held_back=chosen.held_back, cohort=cohort)
        db.session.add(report)
        queued.append(report)
    db.session.flush()
    ids = [r.id for r in queued]
    after_commit(functools.partial(_queue_renders, ids), key=f"render-reports-{cycle.id}")
    return queued


def generate_reports(cycle: Cycle) -> list[Report]:
    """HR's "generate": new versions where responses changed, and failed ones again."""
    queued = prepare_reports(cycle)
    record("report.generate", "cycle", cycle.id, f"{len(queued)} report versions queued")
    return queued


def _queue_renders(ids: list[int]) -> int:
    from service.tasks.jobs import wake_reports

    return wake_reports(ids)


def report_inputs(report: Report) -> ReportInputs:
    """Everything the context builder needs, read from the database as plain values."""
    return reports_inputs([report])[0]


def reports_inputs(reports: Sequence[Report], *, previous: bool = True) -> list[ReportInputs]:
    """`report_inputs` for many versions in a fixed number of queries, whatever their number
    (the API's pages of summaries). ``previous=False`` leaves out the earlier cycle's results,
    which only the change since then needs (a query per leader)."""
    if not reports:
        return []
    config = current_app.config
    subject_ids = list({report.subject_id for report in reports})
    subjects = {subject.id: subject for subject in db.session.scalars(
        select(Subject).where(Subject.id.in_(subject_ids))
        .options(joinedload(Subject.person), joinedload(Subject.cycle),
                 joinedload(Subject.facilitator)))}
    responses: dict[int, list[Response]] = {}
    for response in db.session.scalars(select(Response).where(
            Response.subject_id.in_(subject_ids))):
        responses.setdefault(response.subject_id, []).append(response)
    custom = {group.id: group.results_key for subject in subjects.values()
              for group in subject.cycle.custom_groups}
    invited: dict[int, dict[str, int]] = {}
    for subject_id, group, custom_id, count in db.session.execute(
            select(Nomination.subject_id, Nomination.group, Nomination.custom_group_id,
                   func.count())
            .where(Nomination.subject_id.in_(subject_ids))
            .group_by(Nomination.subject_id, Nomination.group, Nomination.custom_group_id)):
        key = custom[custom_id] if custom_id is not None else group.value
        invited.setdefault(subject_id, {})[key] = count
    seen = db.session.execute(select(Report.subject_id, Report.version).where(
        Report.subject_id.in_(subject_ids), Report.status.in_(SEEN))).all()
    branding = Branding(config["ORGANISATION_NAME"],
                        Path(config["REPORT_LOGO"]) if config["REPORT_LOGO"] else None,
                        config["REPORT_COLOUR"])
    made = []
    for report in reports:
        subject = subjects[report.subject_id]
        cycle, person = subject.cycle, subject.person
        wanted = set(report.response_ids)
        counted = sorted((r for r in responses.get(subject.id, []) if str(r.id) in wanted),
                         key=lambda r: str(r.id))
        seen_before = sum(1 for subject_id, version in seen
                          if subject_id == subject.id and version < report.version)
        made.append(ReportInputs(
            leader=Leader(person.display_name, person.title, person.department,
                          person.language),
            cycle=CycleFacts(cycle.name, cycle.opens_on, cycle.closes_on, thresholds(cycle),
                             closed_on=cycle.closed_at.date() if cycle.closed_at else None,
                             group_names=group_names(cycle)),
            rubric=cycle.rubric_snapshot,
            raters=_raters(counted, cycle),
            invited=invited.get(subject.id, {}),
            branding=branding,
            language=cycle.language,
            version=1 + seen_before,
            held_back=report.held_back,
            cohort=report.cohort,
            previous=previous_results(subject) if previous else None,
            facilitator=subject.facilitator.display_name if subject.facilitator else None,
        ))
    return made


def previous_results(subject: Subject) -> Previous | None:
    """The leader's latest earlier cycle with the same rubric, as its released report
    showed it (so nothing held back or hidden then appears now)."""
    cycle = subject.cycle
    rows = db.session.execute(
        select(Subject, Report).join(Cycle, Subject.cycle_id == Cycle.id)
        .join(Report, Report.subject_id == Subject.id)
        .where(Subject.person_id == subject.person_id, Subject.id != subject.id,
               Cycle.rubric_id == cycle.rubric_id, Cycle.closes_on < cycle.opens_on,
               Report.status == ReportStatus.RELEASED)
        .order_by(Cycle.closes_on.desc(), Report.version.desc()).limit(1)).first()
    if rows is None:
        return None
    earlier, report = rows
    before = earlier.cycle
    version = _version(before.rubric_snapshot, _responses(earlier.id, report.response_ids),
                       before)
    return Previous(before.name, before.closes_on, before.rubric_snapshot, version.results,
                    group_names(before))


def group_names(cycle: Cycle) -> dict[str, dict[str, str]]:
    """The cycle's own groups' names in both languages, by their results key."""
    return {group.results_key: {"en": group.name_en, "cy": group.name_cy}
            for group in cycle.custom_groups}


def claim_report(report_id: int, lease: float, now: dt.datetime | None = None) -> str | None:
    """Take a queued version for rendering: a conditional UPDATE, so of two workers (or two
    tasks for the same version) only one gets it. Returns the claim's id, or None when there is
    nothing to do: rendered, superseded, or being rendered by a claim younger than ``lease``
    seconds. The caller commits before rendering, so the claim is seen by everyone."""
    now = now or utcnow()
    renderer = secrets.token_hex(16)
    claimed = db.session.execute(
        update(Report).where(Report.id == report_id, Report.status == ReportStatus.QUEUED,
                             _unclaimed(now - dt.timedelta(seconds=lease)))
        .values(renderer=renderer, leased_at=now)
        .execution_options(synchronize_session=False))
    return renderer if claimed.rowcount == 1 else None


def _unclaimed(expired_before: dt.datetime) -> ColumnElement[bool]:
    """Nobody is rendering it: not claimed, or the claim (or the queueing) is past its lease."""
    return or_(Report.renderer.is_(None), Report.leased_at.is_(None),
               Report.leased_at < expired_before)


def render_claimed(report_id: int, renderer: str) -> bool:
    """Render a version this task claimed and store it, unless the claim was lost meanwhile
    (it outlived its lease and another task took the version): then the PDF is thrown away, so
    a version is stored once."""
    from service.reports.pdf import ReportRenderError, render_report

    report = db.session.get(Report, report_id, populate_existing=True)  # the claim's values
    if report is None or report.status != ReportStatus.QUEUED or report.renderer != renderer:
        return False
    mine = (Report.id == report.id, Report.status == ReportStatus.QUEUED,
            Report.renderer == renderer)
    try:
        context = build_context(report_inputs(report))
        rendered = render_report(context, Path(current_app.config["TEMPLATES_DIR"]),
                                 logo=context_logo())
    except ReportRenderError as exc:
        db.session.execute(update(Report).where(*mine)
                           .values(status=ReportStatus.FAILED, error=str(exc), renderer=None)
                           .execution_options(synchronize_session=False))
        db.session.expire(report)
        return False
    done = db.session.execute(
        update(Report).where(*mine)
        .values(status=ReportStatus.READY, pdf=rendered.pdf, pages=rendered.pages,
                rendered_at=utcnow(), error=None, renderer=None)
        .execution_options(synchronize_session=False))
    db.session.expire(report)
    return done.rowcount == 1


def requeue_stranded(lease: float, now: dt.datetime | None = None) -> list[int]:
    """Queue again every version left queued or rendering for more than ``lease`` seconds since
    it was queued or claimed (a worker killed mid-render, a task lost with the queue): the
    caller hands the ids to the task queue after commit, and the render task's claim decides
    who renders each. A renderer still alive past its lease loses its claim (its PDF is then
    not stored): the lease must be far longer than a render."""
    now = now or utcnow()
    stale = (Report.status == ReportStatus.QUEUED) & (
        Report.leased_at.is_(None) | (Report.leased_at < now - dt.timedelta(seconds=lease)))
    ids = list(db.session.scalars(select(Report.id).where(stale).order_by(Report.id)))
    if not ids:
        return []
    db.session.execute(update(Report).where(Report.id.in_(ids), stale)
                       .values(renderer=None, leased_at=now)
                       .execution_options(synchronize_session=False))
    after_commit(functools.partial(_queue_renders, ids), key="render-stranded-reports")
    log.warning("%d report versions were left queued or rendering for more than %.0f s; "
                "queued again", len(ids), lease)
    return ids


def context_logo() -> Path | None:
    logo = current_app.config["REPORT_LOGO"]
    return Path(logo) if logo else None


def release_reports(cycle: Cycle) -> dict[str, int]:
    """Give each leader's new version to its reader: the facilitator when the cycle is
    facilitated and the leader has one, else the leader. Refuses while any is not rendered."""
    waiting = []
    for subject in cycle.subjects:
        current = current_report(subject)
        if current is None or current.status in (ReportStatus.QUEUED, ReportStatus.FAILED):
            waiting.append(subject.person.display_name)
    if waiting:
        raise DomainError(_l(
            "the reports of %(names)s are not ready; run `feedback360 report generate "
            "%(id)s` with a worker running (`feedback360 worker`), and see `feedback360 "
            "report status %(id)s`", names=", ".join(waiting), id=cycle.id))
    counts = {"to_facilitator": 0, "to_leader": 0, "unchanged": 0}
    now = utcnow()
    for subject in cycle.subjects:
        report = current_report(subject)
        assert report is not None
        if report.status != ReportStatus.READY:
            counts["unchanged"] += 1
            continue
        update = _was_seen_before(report)
        if cycle.facilitated_release and subject.facilitator is not None:
            report.status, report.facilitator_released_at = ReportStatus.WITH_FACILITATOR, now
            notify_report_ready(subject, to_leader=False, is_update=update)
            counts["to_facilitator"] += 1
        else:
            report.status, report.released_at = ReportStatus.RELEASED, now
            notify_report_ready(subject, to_leader=True, is_update=update)
            _emit_released(subject, report)
            counts["to_leader"] += 1
    db.session.flush()
    return counts


def _emit_released(subject: Subject, report: Report) -> None:
    """The `report.released` webhook: ids only (service/webhooks/events.py)."""
    emit("report.released", cycle_id=subject.cycle_id, subject_id=subject.id,
         leader_id=subject.person_id, report_version=report.version)


def hand_over(subject: Subject) -> Report:
    """After the facilitated session: the leader gets the report the facilitator holds."""
    report = current_report(subject)
    if report is None or report.status != ReportStatus.WITH_FACILITATOR:
        state = report.status.value if report else "not prepared"
        raise DomainError(_l("the report of %(name)s is %(state)s, not with the facilitator; "
                             "only a report released to a facilitator is handed over",
                             name=subject.person.display_name, state=state))
    update = _was_seen_before(report)
    report.status, report.released_at = ReportStatus.RELEASED, utcnow()
    notify_report_ready(subject, to_leader=True, is_update=update)
    _emit_released(subject, report)
    db.session.flush()
    record("report.hand_over", "subject", subject.id,
           f"version {report.version} handed over to {subject.person.display_name}")
    return report


def _was_seen_before(report: Report) -> bool:
    """Whether a reader had an earlier version: the new one is then an update."""
    return display_version(report) > 1


def report_status(cycle: Cycle) -> list[dict[str, object]]:
    """Where each leader's report is, without anything from inside it."""
    rows = []
    for subject in cycle.subjects:
        report = current_report(subject)
        rows.append({
            "subject_id": subject.id,
            "leader": subject.person.display_name,
            "version": report.version if report else None,
            "status": report.status.value if report else "not prepared",
            "pages": report.pages if report else None,
            "held_back": report.held_back if report else 0,
            "error": report.error if report else None,
        })
    return rows


FILENAME_NAME_MAX = 60


def report_filename(cycle: Cycle, subject: Subject, version: int) -> str:
    """Unique by the cycle and subject ids; safe, as only a-z, 0-9 and '-' come from the name;
    short, as the name's part is cut to FILENAME_NAME_MAX characters, at a hyphen where it can
    be (file systems refuse names over 255 bytes; one long name must not stop a cycle's save)."""
    name = unicodedata.normalize("NFKD", subject.person.display_name)
    slug = re.sub(r"[^a-z0-9]+", "-", name.encode("ascii", "ignore").decode().lower()).strip("-")
    if len(slug) > FILENAME_NAME_MAX:
        cut = slug[:FILENAME_NAME_MAX + 1]
        at_hyphen = "-" in cut[FILENAME_NAME_MAX // 2:]
        slug = (cut.rsplit("-", 1)[0] if at_hyphen else cut[:FILENAME_NAME_MAX]).strip("-")
    return f"cycle{cycle.id}-{subject.id}-{slug or 'leader'}-v{version}.pdf"


def save_reports(cycle: Cycle, out_dir: Path, subjects: Sequence[Subject] | None = None
                 ) -> list[Path]:
    """Write the current rendered version of each leader's report into ``out_dir``."""
    chosen = list(subjects) if subjects is not None else list(cycle.subjects)
    ready = [(s, current_report(s)) for s in chosen]
    missing = [s.person.display_name for s, r in ready
               if r is None or r.status in (ReportStatus.QUEUED, ReportStatus.FAILED)]
    if missing:
        raise DomainError(_l("no rendered report yet for %(names)s; see `feedback360 report "
                             "status %(id)s`", names=", ".join(missing), id=cycle.id))
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = []
    for subject, report in ready:
        assert report is not None and report.pdf is not None
        path = out_dir / report_filename(cycle, subject, report.version)
        private_file(path)  # confidential: the leader's, not the machine's other users'
        path.write_bytes(report.pdf)
        written.append(path)
    return written
