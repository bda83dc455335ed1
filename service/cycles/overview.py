"""What the HR console's home page shows of every cycle: leaders, response rate, and what needs
attention, in a fixed number of grouped queries however many cycles and leaders there are.
Counts only: nothing here says which rater answered, or whose email failed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from service.cycles.models import Cycle, CycleState, Subject
from service.cycles.progress import CANNOT_REACH, group_outlook
from service.db import db
from service.nominations.groups import key_of, thresholds_of
from service.nominations.models import Invitation, InvitationStatus, Nomination
from service.outbox.models import OutboxMessage, OutboxStatus
from service.reports.models import Report, ReportStatus


@dataclass
class CycleLine:
    """One cycle on the home page, and the things about it HR should look at."""

    cycle: Cycle
    leaders: int = 0
    invited: int = 0
    responded: int = 0
    #: (kind, count): kinds are the keys of the page's sentences (no_leaders, no_raters…).
    attention: list[tuple[str, int]] = field(default_factory=list)

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.responded / self.invited) if self.invited else None


def cycle_lines() -> list[CycleLine]:
    """Every cycle, newest first: six queries in all (cycles, leaders, invitations,
    nominations of drafts, failed emails, reports waiting)."""
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc(),
                                                       Cycle.id.desc())).all()
    lines = {cycle.id: CycleLine(cycle) for cycle in cycles}
    if not lines:
        return []
    for cycle_id, count in db.session.execute(
            select(Subject.cycle_id, func.count(Subject.id)).group_by(Subject.cycle_id)):
        lines[cycle_id].leaders = count
    _invitations(lines)
    _draft_nominations(lines)
    for cycle_id, count in db.session.execute(
            select(OutboxMessage.cycle_id, func.count(OutboxMessage.id))
            .where(OutboxMessage.status == OutboxStatus.FAILED,
                   OutboxMessage.cycle_id.is_not(None))
            .group_by(OutboxMessage.cycle_id)):
        if cycle_id in lines:
            lines[cycle_id].attention.append(("email_failed", count))
    waiting = {ReportStatus.READY: "reports_ready", ReportStatus.FAILED: "reports_failed",
               ReportStatus.WITH_FACILITATOR: "reports_with_facilitator"}
    for cycle_id, status, count in db.session.execute(
            select(Subject.cycle_id, Report.status, func.count(Report.id))
            .join(Subject, Report.subject_id == Subject.id)
            .where(Report.status.in_(list(waiting)))
            .group_by(Subject.cycle_id, Report.status).order_by(Subject.cycle_id, Report.status)):
        lines[cycle_id].attention.append((waiting[status], count))
    for line in lines.values():
        if line.cycle.state == CycleState.DRAFT and not line.leaders:
            line.attention.insert(0, ("no_leaders", 1))
    return list(lines.values())


def _invitations(lines: dict[int, CycleLine]) -> None:
    """Response rates, and the leaders of open cycles with a group that can no longer reach
    its threshold (answered + still pending < k)."""
    per_group: dict[tuple[int, int, str], dict[str, int]] = defaultdict(dict)
    for cycle_id, subject_id, group, own, status, count in db.session.execute(
            select(Subject.cycle_id, Nomination.subject_id, Nomination.group,
                   Nomination.custom_group_id, Invitation.status, func.count(Invitation.id))
            .join(Nomination, Invitation.nomination_id == Nomination.id)
            .join(Subject, Nomination.subject_id == Subject.id)
            .group_by(Subject.cycle_id, Nomination.subject_id, Nomination.group,
                      Nomination.custom_group_id, Invitation.status)):
        line = lines[cycle_id]
        line.invited += count
        if status == InvitationStatus.SUBMITTED:
            line.responded += count
        key = key_of(line.cycle, group, own)
        per_group[(cycle_id, subject_id, key)][status.value] = count
    short: dict[int, set[int]] = defaultdict(set)
    for (cycle_id, subject_id, group), counts in per_group.items():
        cycle = lines[cycle_id].cycle
        if cycle.state != CycleState.OPEN:
            continue
        outlook = group_outlook(counts.get(InvitationStatus.SUBMITTED.value, 0),
                                counts.get(InvitationStatus.PENDING.value, 0),
                                thresholds_of(cycle).for_group(group))
        if outlook == CANNOT_REACH:
            short[cycle_id].add(subject_id)
    for cycle_id, subjects in sorted(short.items()):
        lines[cycle_id].attention.append(("cannot_reach", len(subjects)))


def _draft_nominations(lines: dict[int, CycleLine]) -> None:
    """In drafts: leaders nobody is nominated to rate, and leaders with a group nominated
    below its threshold (its scores would not be shown even if all of them answered)."""
    drafts = [cid for cid, line in lines.items() if line.cycle.state == CycleState.DRAFT]
    if not drafts:
        return
    rated: dict[int, set[int]] = defaultdict(set)
    short: dict[int, set[int]] = defaultdict(set)
    for cycle_id, subject_id, group, own, count in db.session.execute(
            select(Subject.cycle_id, Subject.id, Nomination.group, Nomination.custom_group_id,
                   func.count(Nomination.id))
            .outerjoin(Nomination, Nomination.subject_id == Subject.id)
            .where(Subject.cycle_id.in_(drafts))
            .group_by(Subject.cycle_id, Subject.id, Nomination.group,
                      Nomination.custom_group_id)):
        if group is None:
            continue
        rated[cycle_id].add(subject_id)
        cycle = lines[cycle_id].cycle
        if count < thresholds_of(cycle).for_group(key_of(cycle, group, own)):
            short[cycle_id].add(subject_id)
    for cycle_id in drafts:
        line = lines[cycle_id]
        bare = line.leaders - len(rated[cycle_id])
        if line.leaders and bare:
            line.attention.append(("no_raters", bare))
        if short[cycle_id]:
            line.attention.append(("below_threshold", len(short[cycle_id])))


def attention_total(lines: list[CycleLine]) -> int:
    return sum(len(line.attention) for line in lines)

