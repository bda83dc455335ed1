"""Issue and withdraw a leader's appraisal evidence pack, build its record, and find a pack
by its verification token.

The pack says that a 360 was completed: the cycle and its dates, how many raters of each
group were invited and responded (the report's own "who responded" table, hidden groups
included with their note, as the report prints them), whether the facilitated session was
held, whether an action plan was agreed and when it is reviewed. Section scores only when
the leader chooses, and then only the columns the report shows (the report's own context,
service/reports/context.py, so the anonymity rules are not repeated). No comments, no item
scores, no strengths or areas: the pack proves a process, the report stays the leader's.

The record is built once, at issue, kept in the row and hashed (SHA-256 over canonical
JSON); the PDF and the JSON are made from it on each download with the verification link
derived again from SECRET_KEY and the row's nonce (models.py says why). Operations flush and
write their audit row; the caller commits."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.audit.operations import record as audit
from service.cycles.models import Subject
from service.db import db, utcnow
from service.errors import DomainError, NotFound
from service.evidence.models import EvidencePack
from service.facilitation.models import FeedbackSession
from service.people.models import Person
from service.plans.models import ActionPlan
from service.reports.context import build_context
from service.reports.models import Report
from service.reports.numbering import display_version
from service.reports.operations import reports_inputs
from service.sharing.integration import released_reports

FORMAT = "feedback360.evidence-pack/1"
#: a verification token: 32 random-looking bytes, base64url without padding
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


class PackUnavailable(DomainError):
    """The pack's link cannot be made again (SECRET_KEY changed since it was issued)."""

    status_code = 409


def canonical(record: dict[str, Any]) -> bytes:
    """The bytes the digest is taken over: keys sorted, no spaces, UTF-8 (docs/integration.md
    shows how an appraiser recomputes it)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def digest_of(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def _token_key() -> bytes:
    return hashlib.sha256(b"evidence-pack:" + current_app.config["SECRET_KEY"].encode()
                          ).digest()


def _derive(nonce: str) -> str:
    mac = hmac.new(_token_key(), bytes.fromhex(nonce), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(pack: EvidencePack) -> str:
    """The pack's verification token, derived again; refused if SECRET_KEY has changed since
    (the printed link still verifies: the page looks the hash up)."""
    token = _derive(pack.token_nonce)
    if not hmac.compare_digest(token_hash(token), pack.token_hash):
        raise PackUnavailable(_l("this evidence pack can no longer be downloaded (the "
                                 "service's secret key has changed since it was issued); "
                                 "issue a new pack"))
    return token


def verification_url(token: str) -> str:
    return f"{current_app.config['BASE_URL']}/verify/{token}"


def _date(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _plan_agreed(plan: ActionPlan | None) -> bool:
    """An action plan is agreed once the leader has saved one with a behaviour to focus on
    or an action."""
    return bool(plan and plan.revision and (plan.focus or plan.actions.strip()))


def build_record(subject: Subject, report: Report, include_scores: bool, issued_on: dt.date,
                 ) -> dict[str, Any]:
    """The pack's record, from the released version's own context (the leader's language)."""
    context = build_context(reports_inputs([report], previous=False)[0])
    cycle, person = subject.cycle, subject.person
    session = db.session.scalar(select(FeedbackSession).where(
        FeedbackSession.subject_id == subject.id))
    plan = db.session.scalar(select(ActionPlan).where(ActionPlan.subject_id == subject.id))
    agreed = _plan_agreed(plan)
    scores = None
    if include_scores:
        scores = {
            "scale_max": context["scale"]["max"],
            "columns": [{"key": c["key"], "label": c["label"]} for c in context["columns"]],
            "sections": [{"id": s["id"], "title": s["title"],
                          "scores": {column: {"mean": cell["mean"], "n": cell["n"]}
                                     for column, cell in s["scores"].items()
                                     if cell is not None}}
                         for s in context["sections"]],
        }
    return {
        "format": FORMAT,
        "language": context["lang"],
        "organisation": context["organisation"] or "",
        "issued_on": issued_on.isoformat(),
        "leader": {"person_id": person.id, "directory_id": person.directory_id,
                   "display_name": person.display_name},
        "cycle": {"id": cycle.id, "name": cycle.name, "opened_on": _date(cycle.opens_on),
                  "completed_on": _date(cycle.closed_at.date() if cycle.closed_at
                                        else cycle.closes_on)},
        "report": {"version": display_version(report),
                   "released_on": _date(report.released_at.date() if report.released_at
                                        else None)},
        "rubric": {"id": cycle.rubric_id, "version": context["rubric"]["version"],
                   "title": context["rubric"]["title"]},
        # The report's "who responded" table: every group it lists, a hidden one with its
        # count and shown false, as the report prints it.
        "raters": [{"group": g["key"], "label": g["label"], "invited": g["invited"],
                    "responded": g["responded"], "shown": g["shown"]}
                   for g in context["groups"] if g["invited"] or g["responded"]],
        "facilitated_session": {"held": session is not None,
                                "held_on": _date(session.held_on if session else None)},
        "action_plan": {"agreed": agreed,
                        "review_on": _date(plan.review_on if agreed and plan else None)},
        "scores": scores,
    }


def packs_of(subject: Subject) -> list[EvidencePack]:
    """Every pack the leader issued for this cycle, newest first."""
    return list(db.session.scalars(select(EvidencePack).where(
        EvidencePack.subject_id == subject.id).order_by(EvidencePack.id.desc())))


def active_pack(subject: Subject) -> EvidencePack | None:
    return db.session.scalar(select(EvidencePack).where(
        EvidencePack.subject_id == subject.id, EvidencePack.withdrawn_at.is_(None))
        .order_by(EvidencePack.id.desc()).limit(1))


def issue_pack(subject: Subject, *, include_scores: bool = False,
               by: Person | None = None) -> tuple[EvidencePack, str]:
    """Issue a pack for the newest version released to the leader; a pack already active is
    withdrawn (replaced), so one pack is current at a time. Returns the pack and its
    verification token (shown on the pack, never stored)."""
    report = released_reports([subject.id]).get(subject.id)
    if report is None:
        raise DomainError(_l("this report has not been released to you yet; an evidence "
                             "pack can be issued once it has"))
    now = utcnow().replace(microsecond=0)  # to the second: a record, not a log
    current = active_pack(subject)
    if current is not None:
        current.withdrawn_at = now
    nonce = secrets.token_hex(32)
    token = _derive(nonce)
    record = build_record(subject, report, include_scores, now.date())
    pack = EvidencePack(subject_id=subject.id, report_id=report.id,
                        include_scores=include_scores, language=record["language"],
                        record=record, digest=digest_of(record), token_nonce=nonce,
                        token_hash=token_hash(token), issued_at=now,
                        issued_by_id=by.id if by else None)
    try:
        with db.session.begin_nested():  # the unique index on current packs decides a race
            db.session.add(pack)
    except IntegrityError:
        raise DomainError(_l("another evidence pack was issued at the same moment; reload "
                             "the page to see it")) from None
    audit("evidence.issue", "subject", subject.id,
          f"appraisal evidence pack {pack.id} issued by {subject.person.display_name} "
          + ("with section scores" if include_scores else "without scores")
          + (f" (replacing pack {current.id})" if current is not None else ""))
    return pack, token


def withdraw_pack(pack: EvidencePack, by: Person | None = None) -> None:
    """From now on the verification page says the pack was withdrawn, and neither the leader's
    downloads nor the API serve it."""
    if pack.withdrawn_at is not None:
        raise DomainError(_l("this evidence pack is already withdrawn"))
    pack.withdrawn_at = utcnow()
    db.session.flush()
    audit("evidence.withdraw", "subject", pack.subject_id,
          f"appraisal evidence pack {pack.id} of {pack.subject.person.display_name} withdrawn")


def find_by_token(token: str) -> EvidencePack | None:
    """The pack behind a verification token, by the hash's unique index (no comparison of
    the token itself, so no timing to learn from); None for anything unknown or malformed."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    return db.session.scalar(select(EvidencePack).where(
        EvidencePack.token_hash == token_hash(token)))


def pack_of(subject: Subject, pack_id: int) -> EvidencePack:
    pack = db.session.get(EvidencePack, pack_id)
    if pack is None or pack.subject_id != subject.id:
        raise NotFound(_l("no such evidence pack"))
    return pack


def document(pack: EvidencePack) -> dict[str, Any]:
    """The JSON an appraiser or appraisal system receives: the record, its digest and the
    verification link."""
    return {"record": pack.record,
            "digest": {"algorithm": "sha256", "value": pack.digest},
            "verification_url": verification_url(token_of(pack)),
            "issued_at": pack.issued_at}


def filename(pack: EvidencePack, extension: str) -> str:
    """No name in it (as service/reports/numbering.py's pdf_filename)."""
    subject = pack.subject
    return f"evidence-pack-{subject.cycle_id}-{subject.id}-{pack.id}.{extension}"
