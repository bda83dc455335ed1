"""Answering through a personal link: find the invitation, save a draft, submit once, decline.

Submitting flips the invitation and holds the answers, sealed, in one transaction; a
conditional update makes a second submit (another tab, a double click) find nothing to flip.
The answers reach ``responses`` only later, together with others (service/responses/holding.py).

The rater's pages work on a `RatingLink` (service/responses/links.py): one query finds it, and
each write here is one statement (on PostgreSQL, submitting too), so a page costs the database
one or two round trips. The demo and tests may pass a loaded `Invitation` instead.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, null, select, update
from werkzeug.datastructures import MultiDict

from service import driver
from service.cycles.models import CycleState
from service.db import db
from service.errors import DomainError
from service.nominations.models import Invitation, InvitationStatus
from service.nominations.tokens import hash_token, looks_like_token
from service.responses.links import RatingLink, link_from_row, lookup
from service.responses.models import HeldResponse
from service.responses.sealing import SealBroken, open_draft_with_step, seal_draft, seal_held
from service.rubrics import importance

NOT_OBSERVED = "na"
MAX_COMMENT_CHARS = 4000


class LinkProblem(DomainError):
    """Why a personal link cannot be used; `kind` picks the page and the status code."""

    STATUS: ClassVar[dict[str, int]] = {
        "unknown": 404, "expired": 410, "submitted": 410, "declined": 410, "not_open": 403}

    def __init__(self, kind: str, language: str | None = None):
        self.kind = kind
        self.status_code = self.STATUS[kind]
        self.language = language  # the rater's (or the cycle's), when the link was found
        super().__init__(kind)


def find_invitation(token: str, today: dt.date | None = None) -> RatingLink:
    """The usable link behind ``token``, or the LinkProblem that says why it cannot be used."""
    if not looks_like_token(token):
        raise LinkProblem("unknown")
    row = lookup(hash_token(token))
    if row is None:
        raise LinkProblem("unknown")
    status, state, closes_on, language = row[1], row[6], row[7], row[13] or row[10]
    if status == InvitationStatus.SUBMITTED:
        raise LinkProblem("submitted", language)
    if status == InvitationStatus.DECLINED:
        raise LinkProblem("declined", language)
    if state == CycleState.DRAFT:
        raise LinkProblem("not_open", language)
    if state != CycleState.OPEN or (today or dt.date.today()) > closes_on:
        raise LinkProblem("expired", language)
    return link_from_row(row, with_rubric=True)


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
    """Read `item-<id>` (1..n or 'na'), `importance-<section id>` (1..n, optional, when the
    rubric asks it; kept in ``answers`` under importance.key) and `question-<id>` fields;
    anything else is ignored."""
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
                result.errors[item["id"]] = gettext(
                    "Choose one of the answers (1 to %(top)d, or “Not observed”)", top=top)
    if importance.asked(rubric):
        levels = {str(n): n for n in range(1, importance.top(rubric) + 1)}
        for section in rubric["sections"]:
            raw = (form.get(importance.FIELD_PREFIX + section["id"]) or "").strip()
            if raw == "":
                continue  # optional: a rater may leave it
            if raw.lstrip("0") in levels:
                result.answers[importance.key(section["id"])] = levels[raw.lstrip("0")]
            else:
                result.errors[importance.key(section["id"])] = gettext(
                    "Choose one of the answers about importance, or leave them all unselected")
    for question in rubric.get("questions", []):
        text = (form.get(f"question-{question['id']}") or "").strip()
        if len(text) > MAX_COMMENT_CHARS:
            result.errors[question["id"]] = gettext(
                "This answer is %(length)d characters long; please keep it under %(limit)d",
                length=len(text), limit=MAX_COMMENT_CHARS)
        elif text:
            result.comments[question["id"]] = text
    return result


def merged_answers(draft: dict[str, Any], posted: MultiDict[str, str] | dict[str, str]
                   ) -> MultiDict[str, str]:
    """The saved draft's answers as form fields, overlaid with the fields of this post.

    The form is one rubric section per step: a step posts only its own fields, so what the
    other steps saved is kept. A radio left alone is absent from a post (the draft's answer
    stands); a comment box is always posted, so emptying it clears the saved text."""
    fields: MultiDict[str, str] = MultiDict()
    for answer_key, value in draft.get("answers", {}).items():
        fields[field_name(answer_key)] = NOT_OBSERVED if value is None else str(value)
    for question_id, text in draft.get("comments", {}).items():
        fields[f"question-{question_id}"] = text
    for key in posted:
        if key.startswith(("item-", "question-", importance.FIELD_PREFIX)):
            fields[key] = posted[key]
    return fields


def field_name(answer_key: str) -> str:
    """The form field of an ``answers`` key: an item's rating or a section's importance."""
    section_id = importance.section_of(answer_key)
    return f"item-{answer_key}" if section_id is None else importance.FIELD_PREFIX + section_id


def save_draft(invitation: Invitation | RatingLink, token: str, form: RatingForm,
               step: int | None = None) -> None:
    """Only onto a pending invitation: a draft on a submitted one would tie answers to a person.

    Sealed with a key from the rater's own link (service/responses/sealing.py), so neither the
    row nor any leftover copy of it can be read without that link. ``step`` is the step of the
    form to come back to, sealed with the answers."""
    link = _link(invitation)
    sealed = seal_draft(token, form.answers, form.comments, _rubric(link), step)
    if driver.connection().run(
            _SAVE_DRAFT, invitation_id=link.invitation_id, draft=sealed).rowcount != 1:
        _refuse(link)
    if isinstance(invitation, Invitation):
        db.session.expire(invitation, ["draft"])


def saved_draft(invitation: Invitation | RatingLink, token: str) -> dict[str, Any]:
    """The rater's saved answers, opened with their link; empty when there are none (or they
    were sealed under a link that has since been reissued, which nobody can open)."""
    if invitation.draft is None:
        return {}
    try:
        answers, comments, step = open_draft_with_step(token, invitation.draft)
    except SealBroken:
        return {}
    return {"answers": answers, "comments": comments, "step": step}


def submit(invitation: Invitation | RatingLink, form: RatingForm) -> None:
    """Mark the invitation submitted and hold the answers, sealed, until the cycle closes;
    raise LinkProblem('submitted') if another request won.

    This transaction never writes to ``responses``: the close moves held answers there
    together with the rest of their group (service/responses/holding.py). On PostgreSQL the
    flip and the held row are one statement (the row is inserted from what the conditional
    update returned), so it is one round trip and needs no transaction of its own; elsewhere
    they are two statements in the caller's transaction."""
    if not form.complete:
        raise DomainError(_l("The form is not complete: answer every statement, then send it "
                             "again"))
    link = _link(invitation)
    held = {"held_id": uuid.uuid4(), "cycle_id": link.cycle_id, "subject_id": link.subject_id,
            "rater_group": link.group, "custom_group_id": link.custom_group_id,
            "sealed": seal_held(form.answers, form.comments, _rubric(link))}
    claim = {"invitation_id": link.invitation_id, "new_status": InvitationStatus.SUBMITTED}
    connection = driver.connection()
    if connection.dialect.name == "postgresql":
        if connection.run(_CLAIM_AND_HOLD, **claim, **held).row is None:
            _refuse(link)
    else:
        if connection.run(_CLAIM, **claim).rowcount != 1:
            _refuse(link)
        connection.run(_HOLD, **held)
    if isinstance(invitation, Invitation):
        db.session.expire(invitation, ["status", "draft", "sealed_token"])


def decline(invitation: Invitation | RatingLink) -> None:
    link = _link(invitation)
    if driver.connection().run(_CLAIM, invitation_id=link.invitation_id,
                               new_status=InvitationStatus.DECLINED).rowcount != 1:
        _refuse(link)
    if isinstance(invitation, Invitation):
        db.session.expire(invitation, ["status", "draft", "sealed_token"])


def _link(invitation: Invitation | RatingLink) -> RatingLink:
    """The statements here go to the session's connection, past the ORM: a caller holding
    loaded objects (the demo, tests) has its pending changes flushed first."""
    if isinstance(invitation, RatingLink):
        return invitation
    db.session.flush()
    return RatingLink.of(invitation)


def _rubric(link: RatingLink) -> dict[str, Any]:
    if link.rubric is None:
        raise LinkProblem("not_open", link.rater_language or link.cycle_language)
    return link.rubric.data


def _refuse(link: RatingLink) -> None:
    """The invitation was no longer pending: raise the problem its status now names."""
    row = driver.connection().run(_STATUS, invitation_id=link.invitation_id).row
    assert row is not None  # invitations are never deleted while their links work
    status = row[0]
    raise LinkProblem(status.value if status.value in LinkProblem.STATUS else "submitted",
                      link.rater_language or link.cycle_language)


# The statements, built once (building them is a good part of a request's own work) and run
# with the request's values. Each UPDATE changes the invitation only while it is pending: the
# database decides who was first.
_invitation_columns = Invitation.__table__.c
_pending = (Invitation.id == bindparam("invitation_id"),
            Invitation.status == InvitationStatus.PENDING)
_SAVE_DRAFT = driver.DriverStatement(update(Invitation).where(*_pending).values(
    draft=bindparam("draft", type_=_invitation_columns.draft.type)))
_claim = update(Invitation).where(*_pending).values(
    status=bindparam("new_status", type_=_invitation_columns.status.type), draft=null(),
    sealed_token=null())
_CLAIM = driver.DriverStatement(_claim)
_held_columns = HeldResponse.__table__.c
_held_values = {"id": "held_id", "cycle_id": "cycle_id", "subject_id": "subject_id",
                "rater_group": "rater_group", "custom_group_id": "custom_group_id",
                "sealed": "sealed"}
_HOLD = driver.DriverStatement(insert(HeldResponse).values({
    column: bindparam(name, type_=_held_columns[column].type)
    for column, name in _held_values.items()}))
_claimed = _claim.returning(Invitation.id).cte("claimed")
_CLAIM_AND_HOLD = driver.DriverStatement(
    insert(HeldResponse)
    .from_select(list(_held_values), select(*(
        bindparam(name, type_=_held_columns[column].type)
        for column, name in _held_values.items())).select_from(_claimed))
    .add_cte(_claimed)
    .returning(HeldResponse.id)  # the driver reports no row count through the CTE
)
_STATUS = driver.DriverStatement(
    select(Invitation.status).where(Invitation.id == bindparam("invitation_id")))
