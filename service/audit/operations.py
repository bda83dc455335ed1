"""Record staff actions in the transaction that makes them, and read them back.

`record` adds a row to the caller's session: the audit entry commits with the change, or rolls
back with it, so the log never says something happened that did not, nor misses what did.
Who is acting comes from `acting_as`, set once per request or command (service/cli_support.py
for the command line; sign-in sets it for pages); work the service does on its own (the task
queue's cycle dates) is "the service"."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import g, has_app_context
from sqlalchemy import Select, select

from service.audit.models import AuditEvent
from service.db import db

SERVICE = "the service"


@dataclass(frozen=True)
class Actor:
    label: str
    person_id: int | None = None
    address: str | None = None


def command_line_actor() -> Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return Actor(f"command line ({user})", None, "local")


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Everything recorded inside is attributed to ``actor``."""
    previous = g.get("audit_actor")
    g.audit_actor = actor
    try:
        yield
    finally:
        g.audit_actor = previous


def current_actor() -> Actor:
    actor = g.get("audit_actor") if has_app_context() else None
    return actor or Actor(SERVICE)


def record(action: str, object_type: str, object_id: Any, summary: str) -> AuditEvent:
    """One entry in the caller's transaction (flushed with it, never committed here)."""
    actor = current_actor()
    event = AuditEvent(actor=actor.label, actor_person_id=actor.person_id, action=action,
                       object_type=object_type,
                       object_id=None if object_id is None else str(object_id),
                       summary=summary, address=actor.address)
    db.session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def filtered(query: Select[Any], chosen: AuditFilter) -> Select[Any]:
    """``query`` narrowed to the entries ``chosen`` asks for."""
    if chosen.action:
        query = query.where(AuditEvent.action.startswith(chosen.action, autoescape=True))
    if chosen.object_type:
        query = query.where(AuditEvent.object_type == chosen.object_type)
    if chosen.object_id:
        query = query.where(AuditEvent.object_id == chosen.object_id)
    if chosen.since:
        query = query.where(AuditEvent.at >= chosen.since)
    if chosen.until:
        query = query.where(AuditEvent.at < chosen.until)
    return query


def audit_events(chosen: AuditFilter | None = None, limit: int | None = None,
                 offset: int = 0) -> list[AuditEvent]:
    """Entries, newest first, filtered as HR asks (the page, its CSV, `feedback360 audit
    export` and the API); ``offset`` and ``limit`` give a page of them."""
    query = filtered(select(AuditEvent), chosen or AuditFilter()).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc())
    if limit:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return list(db.session.scalars(query))


COLUMNS = ("at", "actor", "action", "object_type", "object_id", "summary", "address")


def as_rows(events: list[AuditEvent]) -> list[dict[str, Any]]:
    return [{"at": e.at.isoformat(timespec="seconds"), "actor": e.actor, "action": e.action,
             "object_type": e.object_type, "object_id": e.object_id or "",
             "summary": e.summary, "address": e.address or ""} for e in events]
