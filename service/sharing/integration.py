"""What the organisation's integration (appraisal systems reading the API) may receive of a
leader's report, and the leader's consent to it: the one place the API asks.

The report belongs to the leader (docs/security.md). The integration receives nothing of it
until a version has been released to the leader, and then:

* the summary (section scores by shown group, strengths, areas to develop, blind spots, the
  version and date) when the leader consents, or when the organisation's policy
  APPRAISAL_ALWAYS_RECEIVES_SUMMARY says appraisal always receives it;
* the comments in that summary only when the leader chose to include them (never by policy);
* the PDF only when the leader chose it (the whole report, comments included);
* the action plan only when the leader agreed (`ActionPlan.appraisal_consent`, the switch the
  plan page and the report page both offer).

A withdrawal takes effect on the next call: every answer asks here. Operations flush and write
their audit row; the caller commits."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from service.audit.operations import record
from service.cycles.models import Subject
from service.db import db, utcnow
from service.errors import DomainError
from service.people.models import Person
from service.plans.models import ActionPlan
from service.reports.models import Report, ReportStatus
from service.sharing.models import IntegrationConsent
from service.sharing.operations import has_released_report
from service.webhooks.events import emit

POLICY = "APPRAISAL_ALWAYS_RECEIVES_SUMMARY"


class Part(enum.Enum):
    """What the integration may ask for (the API's refusals name the part)."""

    SUMMARY = "summary"
    COMMENTS = "comments"
    PDF = "pdf"
    PLAN = "action_plan"


@dataclass(frozen=True)
class Allowed:
    """For one leader in one cycle: what the integration may receive now, and why."""

    released: bool
    consent: IntegrationConsent | None
    plan: bool
    by_policy: bool

    @property
    def summary(self) -> bool:
        return self.released and (self.consent is not None or self.by_policy)

    @property
    def comments(self) -> bool:
        return self.released and self.consent is not None and self.consent.include_comments

    @property
    def pdf(self) -> bool:
        return self.released and self.consent is not None and self.consent.include_pdf

    @property
    def action_plan(self) -> bool:
        return self.released and self.plan

    def allows(self, part: Part) -> bool:
        return bool(getattr(self, part.value))

    @property
    def parts(self) -> list[str]:
        return [part.value for part in Part if self.allows(part)]


def policy_gives_summary() -> bool:
    """The organisation's documented policy: appraisal always receives the summary (without
    comments), whatever the leader chose."""
    return bool(current_app.config[POLICY])


def active_consent(subject: Subject) -> IntegrationConsent | None:
    return db.session.scalar(select(IntegrationConsent).where(
        IntegrationConsent.subject_id == subject.id, IntegrationConsent.withdrawn_at.is_(None))
        .order_by(IntegrationConsent.id.desc()).limit(1))


def consents_of(subject: Subject) -> list[IntegrationConsent]:
    """Every consent given for the subject's report, newest first (active and withdrawn)."""
    return list(db.session.scalars(select(IntegrationConsent).where(
        IntegrationConsent.subject_id == subject.id)
        .order_by(IntegrationConsent.given_at.desc(), IntegrationConsent.id.desc())))


def allowed_for(subject: Subject) -> Allowed:
    return allowed_for_many([subject.id])[subject.id]


def allowed_for_many(subject_ids: Iterable[int]) -> dict[int, Allowed]:
    """`Allowed` for each subject, in three queries whatever their number (the API's pages of
    summaries must not make a query per leader)."""
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return {}
    released = set(db.session.scalars(select(Report.subject_id).where(
        Report.subject_id.in_(ids), Report.status == ReportStatus.RELEASED)))
    consents: dict[int, IntegrationConsent] = {}
    for consent in db.session.scalars(select(IntegrationConsent).where(
            IntegrationConsent.subject_id.in_(ids), IntegrationConsent.withdrawn_at.is_(None))
            .order_by(IntegrationConsent.id)):
        consents[consent.subject_id] = consent  # the newest active one, should two race
    planned = set(db.session.scalars(select(ActionPlan.subject_id).where(
        ActionPlan.subject_id.in_(ids), ActionPlan.appraisal_consent.is_(True))))
    policy = policy_gives_summary()
    return {i: Allowed(i in released, consents.get(i), i in planned, policy) for i in ids}


def _parts_words(pdf: bool, comments: bool, plan: bool | None) -> str:
    words = ["summary"]
    if comments:
        words.append("comments")
    if pdf:
        words.append("PDF")
    if plan:
        words.append("action plan")
    return ", ".join(words)


def give_consent(subject: Subject, *, pdf: bool = False, comments: bool = False,
                 plan: bool | None = None, by: Person | None = None) -> IntegrationConsent:
    """Let the integration receive the released report's summary (and the PDF, the comments,
    the action plan as chosen) until withdrawn. Choosing again with other parts withdraws the
    old consent and records the new one; the same choice again changes nothing. ``plan``
    None leaves the action plan's own switch as it is (there may be no plan yet)."""
    if not has_released_report(subject):
        raise DomainError(_l("this report has not been released to you yet; it can be shared "
                             "with appraisal once it has"))
    current = active_consent(subject)
    plan_changed = _set_plan_consent(subject, plan) if plan is not None else False
    if current is not None and (current.include_pdf, current.include_comments) == (
            pdf, comments):
        if plan_changed:
            _record_plan(subject, bool(plan))
        return current
    now = utcnow()
    if current is not None:
        current.withdrawn_at = now
    consent = IntegrationConsent(subject_id=subject.id, include_pdf=pdf,
                                 include_comments=comments, given_at=now,
                                 given_by_id=by.id if by else None)
    db.session.add(consent)
    db.session.flush()
    record("report.share_integration", "subject", subject.id,
           f"report of {subject.person.display_name} shared with the appraisal integration: "
           f"{_parts_words(pdf, comments, plan if plan is not None else _plan_on(subject))}"
           + (" (changed from an earlier choice)" if current is not None else ""))
    emit("report.shared", cycle_id=subject.cycle_id, subject_id=subject.id,
         leader_id=subject.person_id)
    return consent


def withdraw_consent(subject: Subject, by: Person | None = None) -> None:
    """End the consent, and the action plan's with it: from the next call the integration
    receives nothing of the report (unless the policy gives it the summary)."""
    current = active_consent(subject)
    plan_changed = _set_plan_consent(subject, False)
    if current is None and not plan_changed:
        raise DomainError(_l("your report is not shared with appraisal; there is nothing to "
                             "withdraw"))
    if current is not None:
        current.withdrawn_at = utcnow()
    db.session.flush()
    record("report.withdraw_integration", "subject", subject.id,
           f"share of the report of {subject.person.display_name} with the appraisal "
           "integration withdrawn" + (" (and the action plan's)" if plan_changed else ""))


def _plan_on(subject: Subject) -> bool:
    return bool(db.session.scalar(select(ActionPlan.appraisal_consent).where(
        ActionPlan.subject_id == subject.id)))


def _set_plan_consent(subject: Subject, on: bool) -> bool:
    """Turn the plan's switch; True if it changed (no plan: nothing to turn)."""
    plan = db.session.scalar(select(ActionPlan).where(ActionPlan.subject_id == subject.id))
    if plan is None or bool(plan.appraisal_consent) == on:
        return False
    plan.appraisal_consent = on  # not a new revision: the plan's PDF does not show consent
    return True


def _record_plan(subject: Subject, on: bool) -> None:
    db.session.flush()
    record("plan.save", "subject", subject.id,
           "action plan: appraisal_consent saved"
           + (" (shared with appraisal)" if on else " (not shared with appraisal)"))


def released_reports(subject_ids: Sequence[int]) -> dict[int, Report]:
    """The newest version released to each leader (one query)."""
    newest: dict[int, Report] = {}
    for report in db.session.scalars(select(Report).where(
            Report.subject_id.in_(list(subject_ids)), Report.status == ReportStatus.RELEASED)
            .order_by(Report.subject_id, Report.version)):
        newest[report.subject_id] = report
    return newest
