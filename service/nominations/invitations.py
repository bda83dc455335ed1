"""Invitations and the emails about them: issue (in bulk at launch), remind, resend, reissue.

Every email is an outbox row written in the caller's transaction. The personal link is not in
the row: the relay unseals it from the invitation when the message's turn comes, so a link that
was reissued or answered in the meantime is never sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    DateTime,
    Integer,
    Text,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import aliased

from service.audit.operations import record
from service.db import among, db, utcnow, write_many
from service.errors import DomainError, state_name
from service.nominations.models import (
    BUILT_IN_GROUPS,
    Invitation,
    InvitationStatus,
    Nomination,
    RaterGroup,
)
from service.nominations.tokens import hash_token, new_token
from service.outbox import writer as outbox
from service.outbox.kinds import Fail, MessageKind, Resolution, Skip
from service.outbox.models import OutboxMessage, OutboxStatus
from service.people.models import Person
from service.sealing import InvalidToken, seal, unseal

if TYPE_CHECKING:
    from service.cycles.models import Cycle

_Rater = aliased(Person)
_Leader = aliased(Person)


def cycle_context(cycle: Cycle) -> dict[str, Any]:
    """What every email about a cycle says: its name, dates, the organisation and a contact."""
    config = current_app.config
    return {"cycle_name": cycle.name, "closes_on": cycle.closes_on.isoformat(),
            "organisation": config["ORGANISATION_NAME"], "contact": config["CONTACT_EMAIL"],
            "min_group_size": cycle.min_group_size}


def _group_k(cycle: Cycle) -> Any:
    """The k of each nomination's anonymous group, in SQL (joined with the cycle's own
    groups); for self and the manager, whose emails say no k, the cycle's."""
    from service.cycles.models import CycleGroup

    limits = cycle.thresholds
    return cast(func.coalesce(case(
        *((Nomination.group == group, cast(literal(limits.for_group(group.value)), Integer))
          for group in BUILT_IN_GROUPS if group not in (RaterGroup.SELF, RaterGroup.MANAGER)),
        (Nomination.group == RaterGroup.CUSTOM, CycleGroup.min_size)),
        cast(literal(limits.min_group_size), Integer)), Integer)


def _rater_rows(cycle: Cycle, *conditions: Any) -> list[Any]:
    from service.cycles.models import CycleGroup, Subject

    return list(db.session.execute(
        select(Nomination.id, Nomination.group, Invitation.id.label("invitation_id"),
               _Rater.display_name.label("rater_name"), _Rater.email, _Rater.language,
               _Leader.display_name.label("leader_name"), _group_k(cycle).label("group_k"))
        .outerjoin(CycleGroup, CycleGroup.id == Nomination.custom_group_id)
        .join(Subject, Nomination.subject_id == Subject.id)
        .join(_Rater, Nomination.person_id == _Rater.id)
        .join(_Leader, Subject.person_id == _Leader.id)
        .outerjoin(Invitation, Invitation.nomination_id == Nomination.id)
        .where(Subject.cycle_id == cycle.id, *conditions)
        .order_by(Nomination.id)))


def _json_boolean(condition: Any) -> Any:
    """A condition as a JSON true or false (SQLite has no booleans)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return condition
    return func.json(case((condition, "true"), else_="false"))


def _json_object(pairs: dict[str, Any]) -> Any:
    """A JSON object built by the database from columns and constants: json_build_object on
    PostgreSQL, json_object on SQLite. Constants are typed so PostgreSQL can read them."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    args: list[Any] = []
    for key, value in pairs.items():
        if isinstance(value, bool) or value is None:
            word = {True: "true", False: "false", None: "null"}[value]
            value = literal_column(word) if postgres else func.json(literal(word))
        elif isinstance(value, int):
            value = cast(literal(value), Integer)
        elif isinstance(value, str):
            value = cast(literal(value), Text)
        args += [cast(literal(key), Text), value]
    return (func.json_build_object if postgres else func.json_object)(*args)


def _queue_link_emails(template: str, cycle: Cycle, now: dt.datetime, *conditions: Any,
                       **extra: Any) -> int:
    """Queue one email carrying the rater's link per invitation of the cycle that meets the
    conditions, in one INSERT … SELECT: the database fills in each rater's name, address and
    language, so a national cycle's hundred thousand rows never pass through Python."""
    from service.cycles.models import CycleGroup, Subject

    context = _json_object({**cycle_context(cycle), "rater_name": _Rater.display_name,
                            "min_group_size": _group_k(cycle),
                            "leader_name": _Leader.display_name,
                            "is_self": _json_boolean(Nomination.group == RaterGroup.SELF),
                            # a reminder says that saved answers not sent are deleted
                            "has_draft": _json_boolean(Invitation.draft.is_not(None)),
                            "group": Nomination.group, **extra})
    rows = (
        select(literal("email"), literal(template), _Rater.email,
               func.coalesce(func.nullif(_Rater.language, ""), cycle.language), context,
               literal(cycle.id), Invitation.id, literal(OutboxStatus.PENDING.value), literal(0),
               literal(now, DateTime()), literal(now, DateTime()))
        .select_from(Invitation)
        .join(Nomination, Invitation.nomination_id == Nomination.id)
        .join(Subject, Nomination.subject_id == Subject.id)
        .join(_Rater, Nomination.person_id == _Rater.id)
        .join(_Leader, Subject.person_id == _Leader.id)
        .outerjoin(CycleGroup, CycleGroup.id == Nomination.custom_group_id)
        .where(Subject.cycle_id == cycle.id, *conditions)
        .order_by(Invitation.id))
    return outbox.write_selected(rows)


def issue_invitations(cycle: Cycle, nomination_ids: list[int] | None = None) -> dict[int, str]:
    """One invitation and one invitation email per nomination that has none (a national cycle
    has hundreds of thousands): the tokens are made here, the invitations written in bulk and
    the emails built by the database. Returns invitation id -> token, for a caller that must
    show links itself (the demo); nothing else keeps the token in clear."""
    from service.cycles.models import Subject

    chosen = [Subject.cycle_id == cycle.id]
    if nomination_ids is not None:
        chosen.append(Nomination.id.in_(nomination_ids))
    new = list(db.session.scalars(
        select(Nomination.id).join(Subject, Nomination.subject_id == Subject.id)
        .outerjoin(Invitation, Invitation.nomination_id == Nomination.id)
        .where(Invitation.id.is_(None), *chosen).order_by(Nomination.id)))
    if not new:
        return {}
    now = utcnow()
    tokens = {nomination_id: new_token() for nomination_id in new}
    write_many(Invitation.__table__, ["nomination_id", "token_hash", "sealed_token", "status",
                                       "created_at"],
                ((nomination_id, hash_token(token), seal(token),
                  InvitationStatus.PENDING.value, now) for nomination_id, token in tokens.items()))
    created = {nomination_id: invitation_id for nomination_id, invitation_id in
               db.session.execute(select(Invitation.nomination_id, Invitation.id)
                                  .join(Nomination, Invitation.nomination_id == Nomination.id)
                                  .join(Subject, Nomination.subject_id == Subject.id)
                                  .where(*chosen))
               if nomination_id in tokens}  # ours: one invitation per nomination
    _queue_link_emails("invitation", cycle, now, among(Invitation.id, list(created.values())))
    for nomination in db.session.identity_map.values():  # loaded ones now have an invitation
        if isinstance(nomination, Nomination) and nomination.id in created:
            db.session.expire(nomination, ["invitation"])
    return {created[nomination_id]: token for nomination_id, token in tokens.items()}


def queue_reminders(cycle: Cycle, today: dt.date) -> int:
    """Remind everyone who has neither answered nor declined, once per due reminder day.

    Reminder days that fell before the launch count as done (see `launch`); several due at
    once (the worker was down) send one reminder, not several."""
    due = [d for d in cycle.reminder_days if d not in cycle.reminders_done
           and cycle.closes_on - dt.timedelta(days=d) <= today]
    if not due or today > cycle.closes_on:
        return 0
    cycle.reminders_done = sorted({*cycle.reminders_done, *due})
    queued = _queue_link_emails("reminder", cycle, utcnow(),
                                Invitation.status == InvitationStatus.PENDING,
                                Invitation.sealed_token.is_not(None),
                                days_left=(cycle.closes_on - today).days)
    db.session.flush()
    return queued


def remind_pending_now(cycle: Cycle, today: dt.date | None = None) -> int:
    """HR's "send a reminder now": the reminder email, with their own link, to everyone who has
    neither answered nor declined, queued in one INSERT … SELECT. The caller learns how many
    (the progress counts say as much), never who."""
    from service.cycles.models import CycleState

    today = today or dt.date.today()
    if cycle.state != CycleState.OPEN:
        raise DomainError(_l("cycle %(id)s is %(state)s; reminders go only to the raters of an "
                             "open cycle", id=cycle.id, state=state_name(cycle)))
    if today > cycle.closes_on:
        raise DomainError(_l("cycle %(id)s closed on %(closes)s; extend the closing date first "
                             "(`feedback360 cycle extend`)", id=cycle.id, closes=cycle.closes_on))
    queued = _queue_link_emails("reminder", cycle, utcnow(),
                                Invitation.status == InvitationStatus.PENDING,
                                Invitation.sealed_token.is_not(None),
                                days_left=(cycle.closes_on - today).days)
    db.session.flush()
    record("cycle.remind", "cycle", cycle.id,
           "reminder queued for every rater who has not answered or declined")
    return queued


def _pending(invitation: Invitation) -> None:
    if invitation.status != InvitationStatus.PENDING:
        raise DomainError(_l("this rater's link has already been used or declined, so there is "
                             "nothing to resend"))
    from service.cycles.models import CycleState

    if invitation.nomination.subject.cycle.state != CycleState.OPEN:
        raise DomainError(_l("the cycle is not open, so a link would not work"))


def failed_invitations(cycle: Cycle) -> list[Invitation]:
    """Pending invitations whose invitation or reminder email failed for good (HR resends them
    once the address is fixed)."""
    failed_ids = select(OutboxMessage.invitation_id).where(
        OutboxMessage.cycle_id == cycle.id, OutboxMessage.status == OutboxStatus.FAILED)
    return list(db.session.scalars(select(Invitation).where(
        Invitation.id.in_(failed_ids), Invitation.status == InvitationStatus.PENDING)
        .order_by(Invitation.id)))


def resend(invitation: Invitation) -> None:
    """Queue the invitation email again with the same link (after a failed delivery)."""
    _pending(invitation)
    if not invitation.sealed_token:
        raise DomainError(_l("the link can no longer be read (SECRET_KEY changed?); reissue it"))
    _queue_invitation_email(invitation)
    _record_for_group("invitation.resend", invitation, "invitation email queued again")


def reissue(invitation: Invitation) -> None:
    """A new link for a rater who lost theirs; the old one stops working at once. A draft saved
    under the old link was sealed with it and nobody can open it now, so it goes too."""
    _pending(invitation)
    token = new_token()
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == InvitationStatus.PENDING)
        .values(token_hash=hash_token(token), sealed_token=seal(token), draft=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise DomainError(_l("the rater answered or declined a moment ago; nothing was reissued"))
    db.session.expire(invitation, ["token_hash", "sealed_token", "draft"])
    _queue_invitation_email(invitation)
    _record_for_group("invitation.reissue", invitation, "new personal link sent")


def send_link_again(invitation: Invitation, *, new_link: bool) -> None:
    """HR's "resend or reissue this rater's link" from the console, told apart from `resend`
    and `reissue` by what it never says: whether the rater has answered. For a rater still
    pending it resends (or, asked to, or when the stored link can no longer be read, reissues);
    for one who answered or declined, or answers while this runs, it sends nothing. Either
    way it records the same audit row and returns nothing, so neither the page nor the log
    tells the two apart. Refused for everyone alike when the cycle is not open."""
    from service.cycles.models import CycleState

    cycle = invitation.nomination.subject.cycle
    if cycle.state != CycleState.OPEN:
        raise DomainError(_l("the cycle is not open, so a link would not work"))
    if invitation.status == InvitationStatus.PENDING:
        token = new_token() if new_link or not invitation.sealed_token else None
        if token is None:
            _queue_invitation_email(invitation)
        elif db.session.execute(
                update(Invitation)
                .where(Invitation.id == invitation.id,
                       Invitation.status == InvitationStatus.PENDING)
                .values(token_hash=hash_token(token), sealed_token=seal(token), draft=None)
                .execution_options(synchronize_session=False)).rowcount == 1:
            db.session.expire(invitation, ["token_hash", "sealed_token", "draft"])
            _queue_invitation_email(invitation)
    _record_for_group("invitation.reissue" if new_link else "invitation.resend", invitation,
                      "link sent again where still needed")


def _record_for_group(action: str, invitation: Invitation, what: str) -> None:
    """Audit an action on one invitation by its leader and group only: a row naming the rater
    with a time would tell, after a re-open, that they had not answered yet."""
    nomination = invitation.nomination
    record(action, "subject", nomination.subject_id,
           f"{what} for a {nomination.group.value.replace('_', ' ')} of "
           f"{nomination.subject.person.display_name}")


def _queue_invitation_email(invitation: Invitation) -> None:
    """Queue a fresh invitation email; earlier failed ones, and an unsent invitation email
    (it would carry the same link), are marked replaced, so HR's list of failures and
    `resend --all-failed` only show what is still unresolved."""
    cycle = invitation.nomination.subject.cycle
    earlier = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.invitation_id == invitation.id,
        (OutboxMessage.status == OutboxStatus.FAILED)
        | ((OutboxMessage.status == OutboxStatus.PENDING)
           & (OutboxMessage.template == "invitation"))))
    for message in earlier:
        was = (f"it had failed: {message.last_error}" if message.status == OutboxStatus.FAILED
               else "it had not been sent")
        message.status = OutboxStatus.SKIPPED
        message.sealed = None
        message.last_error = f"replaced by a new invitation email; {was}"
    _queue_link_emails("invitation", cycle, utcnow(), Invitation.id == invitation.id)
    db.session.flush()


def notify_closed(cycle: Cycle) -> int:
    """Thank everyone who answered, once per person however many leaders they rated, saying
    what is true of their group: a manager's answers are shown as "Manager", the other groups'
    only combined and above the threshold. Nobody is thanked for rating themselves (a leader
    who rated only themselves gets no email). Called at the first close only, for everyone who
    answered by then, so no row tells late raters apart; the rows forget whom they thanked and
    about whom once sent (`message_kinds`)."""
    rows = _rater_rows(cycle, Invitation.status == InvitationStatus.SUBMITTED,
                       Nomination.group != RaterGroup.SELF)
    by_rater: dict[str, tuple[Any, dict[str, list[str]]]] = {}
    smallest: dict[str, int] = {}  # the smallest k among a rater's combined groups
    for row in rows:
        named = "managed" if row.group == RaterGroup.MANAGER else "combined"
        leaders = by_rater.setdefault(row.email.lower(),
                                      (row, {"all": [], "managed": [], "combined": []}))[1]
        leaders["all"].append(row.leader_name)
        leaders[named].append(row.leader_name)
        if named == "combined":
            smallest[row.email.lower()] = min(smallest.get(row.email.lower(), row.group_k),
                                              row.group_k)
    now = utcnow()
    base = cycle_context(cycle)
    return outbox.write([
        outbox.message("cycle_closed", row.email, row.language or cycle.language,
                       {**base, "rater_name": row.rater_name,
                        "min_group_size": smallest.get(row.email.lower(),
                                                       base["min_group_size"]),
                        "leader_names": leaders["all"],
                        "managed_names": leaders["managed"],
                        "combined_names": leaders["combined"]},
                       cycle_id=cycle.id, now=now)
        for row, leaders in by_rater.values()])


def resolve_links(messages: Sequence[OutboxMessage]) -> dict[int, Resolution]:
    """The rater's link for each invitation or reminder, read when its turn comes: a message to
    someone who has answered, declined or whose cycle closed is skipped; a link reissued since
    the message was queued is the new one."""
    ids = {m.invitation_id for m in messages if m.invitation_id}
    rows = dict(db.session.execute(
        select(Invitation.id, Invitation.sealed_token).where(
            Invitation.id.in_(ids), Invitation.status == InvitationStatus.PENDING)).all()
        ) if ids else {}
    base = current_app.config["BASE_URL"]
    found: dict[int, Resolution] = {}
    for message in messages:
        sealed = rows.get(message.invitation_id)
        if sealed is None:
            found[message.id] = Skip("not needed any more: the rater answered or declined, or "
                                     "the cycle closed")
            continue
        try:
            found[message.id] = {"link": f"{base}/r/{unseal(sealed)}"}
        except InvalidToken:
            found[message.id] = Fail("cannot unseal: SECRET_KEY changed since it was queued; "
                                     "reissue it")
    return found


def message_kinds() -> dict[str, MessageKind]:
    """What the relay needs to know of the messages to raters (registered by create_app)."""
    return {"invitation": MessageKind(resolve_links, forget_recipient=True),
            "reminder": MessageKind(resolve_links, forget_recipient=True),
            "cycle_closed": MessageKind(forget_recipient=True)}
