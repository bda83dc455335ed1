"""Answering through a personal link: find the invitation, save a draft, submit once, decline.

Submitting flips the invitation and holds the answers, sealed, in one transaction; a
conditional update makes a second submit (another tab, a double click) find nothing to flip.
The answers reach ``responses`` only later, together with others (service/responses/holding.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from service.cycles.models import Cycle, CycleState
from service.db import db
from service.errors import DomainError
from service.nominations.models import Invitation, InvitationStatus
from service.nominations.tokens import hash_token, looks_like_token
from service.responses.models import HeldResponse
from service.responses.sealing import SealBroken, open_draft, seal_draft, seal_held

NOT_OBSERVED = "na"
MAX_COMMENT_CHARS = 4000


class LinkProblem(DomainError):
    """Why a personal link cannot be used; `kind` picks the page and the status code."""

    STATUS: ClassVar[dict[str, int]] = {
        "unknown": 404, "expired": 410, "submitted": 410, "declined": 410, "not_open": 403}

    def __init__(self, kind: str):
        self.kind = kind
        self.status_code = self.STATUS[kind]
        super().__init__(kind)


def find_invitation(token: str, today: dt.date | None = None) -> Invitation:
    if not looks_like_token(token):
        raise LinkProblem("unknown")
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None:
        raise LinkProblem("unknown")
    if invitation.status == InvitationStatus.SUBMITTED:
        raise LinkProblem("submitted")
    if invitation.status == InvitationStatus.DECLINED:
        raise LinkProblem("declined")
    cycle = invitation.nomination.subject.cycle
    if cycle.state == CycleState.DRAFT:
        raise LinkProblem("not_open")
    if cycle.state != CycleState.OPEN or (today or dt.date.today()) > cycle.closes_on:
        raise LinkProblem("expired")
    return invitation


@dataclass
class RatingForm:
    """What a rater entered, checked against the cycle's frozen rubric."""

    answers: dict[str, int | None] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.errors

    def as_draft(self) -> dict[str, Any]:
        return {"answers": self.answers, "comments": self.comments}


def parse_rating_form(rubric: dict[str, Any], form: MultiDict[str, str] | dict[str, str]
                      ) -> RatingForm:
    """Read `item-<id>` (1..n or 'na') and `question-<id>` fields; anything else is ignored."""
    result = RatingForm()
    top = len(rubric["scale"]["labels"])
    # Looked up, never int(raw): int() raises ValueError on a string of over 4,300 digits.
    points = {str(n): n for n in range(1, top + 1)}
    for section in rubric["sections"]:
        for item in section["items"]:
            raw = (form.get(f"item-{item['id']}") or "").strip()
            if raw == "":
                result.missing.append(item["id"])
            elif raw == NOT_OBSERVED:
                result.answers[item["id"]] = None
            elif raw.lstrip("0") in points:
                result.answers[item["id"]] = points[raw.lstrip("0")]
            else:
                result.errors[item["id"]] = f"choose one of 1 to {top} or 'Not observed'"
    for question in rubric.get("questions", []):
        text = (form.get(f"question-{question['id']}") or "").strip()
        if len(text) > MAX_COMMENT_CHARS:
            result.errors[question["id"]] = (
                f"this answer is {len(text)} characters; please keep it under "
                f"{MAX_COMMENT_CHARS}")
        elif text:
            result.comments[question["id"]] = text
    return result


def save_draft(invitation: Invitation, token: str, form: RatingForm) -> None:
    """Only onto a pending invitation: a draft on a submitted one would tie answers to a person.

    Sealed with a key from the rater's own link (service/responses/sealing.py), so neither the
    row nor any leftover copy of it can be read without that link."""
    rubric = invitation.nomination.subject.cycle.rubric_snapshot
    sealed = seal_draft(token, form.answers, form.comments, rubric)
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == InvitationStatus.PENDING)
        .values(draft=sealed)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(invitation)
        raise LinkProblem(invitation.status.value)
    db.session.expire(invitation, ["draft"])


def saved_draft(invitation: Invitation, token: str) -> dict[str, Any]:
    """The rater's saved answers, opened with their link; empty when there are none (or they
    were sealed under a link that has since been reissued, which nobody can open)."""
    if invitation.draft is None:
        return {}
    try:
        answers, comments = open_draft(token, invitation.draft)
    except SealBroken:
        return {}
    return {"answers": answers, "comments": comments}


def submit(invitation: Invitation, form: RatingForm) -> HeldResponse:
    """Mark the invitation submitted and hold the answers, sealed, until the cycle closes;
    raise LinkProblem('submitted') if another request won.

    This transaction never writes to ``responses``: the close moves held answers there
    together with the rest of their group (service/responses/holding.py)."""
    if not form.complete:
        raise DomainError("the form is incomplete")
    nomination = invitation.nomination
    cycle: Cycle = nomination.subject.cycle
    sealed = seal_held(form.answers, form.comments, cycle.rubric_snapshot)
    _claim(invitation, InvitationStatus.SUBMITTED)
    held = HeldResponse(cycle_id=cycle.id, subject_id=nomination.subject_id,
                        rater_group=nomination.group, sealed=sealed)
    db.session.add(held)
    db.session.flush()
    return held


def decline(invitation: Invitation) -> None:
    _claim(invitation, InvitationStatus.DECLINED)
    db.session.flush()


def _claim(invitation: Invitation, status: InvitationStatus) -> None:
    """Flip pending -> status only if still pending; the database decides who was first."""
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == InvitationStatus.PENDING)
        .values(status=status, draft=None, sealed_token=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(invitation)
        raise LinkProblem(invitation.status.value if invitation.status.value in
                          LinkProblem.STATUS else "submitted")
    db.session.expire(invitation, ["status", "draft"])
