"""The audit log, read only, for admins' tools: newest first, filtered as the HR page and
`feedback360 audit export` filter it (service/audit/operations.py), a page at a time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE, fields, validates_schema
from marshmallow import ValidationError as MarshmallowError
from sqlalchemy import func, select

from service.api.calls import api_call
from service.api.schemas import PageArgs, UtcDateTime, page_envelope, page_of
from service.audit.models import AuditEvent
from service.audit.operations import AuditFilter, audit_events, filtered
from service.db import db
from service.validation import Date, Length, Schema, String

blp = Blueprint("api_audit", __name__, url_prefix="/api/v1/audit",
                description="The audit log: who did what, when and from where (append-only).")


class AuditOut(Schema):
    id = fields.Integer(required=True)
    at = UtcDateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    object_type = fields.String(required=True)
    object_id = fields.String(allow_none=True, required=True)
    summary = fields.String(required=True)
    address = fields.String(allow_none=True, required=True)


AuditPage = page_envelope(AuditOut, "AuditPage")


class AuditArgs(PageArgs):
    action = String(validate=Length(min=1, max=60), metadata={
        "description": "actions starting with this: cycle. or cycle.launch"})
    object_type = String(validate=Length(min=1, max=40), metadata={"description": "subject, "
                                                                   "cycle, api_key…"})
    object_id = String(validate=Length(min=1, max=64))
    since = Date(metadata={"description": "from this day (UTC), included"})
    until = Date(metadata={"description": "to this day (UTC), included"})

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise MarshmallowError("until must be the same day as since or later", "until")


def _filter(args: dict[str, Any]) -> AuditFilter:
    since, until = args.get("since"), args.get("until")
    return AuditFilter(args.get("action"), args.get("object_type"), args.get("object_id"),
                       dt.datetime.combine(since, dt.time()) if since else None,
                       dt.datetime.combine(until + dt.timedelta(days=1), dt.time())
                       if until else None)


@blp.route("", methods=["GET"])
@api_call(blp, "audit:read")
@blp.arguments(AuditArgs, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, AuditPage)
def list_(**args: Any) -> dict[str, Any]:
    """Entries newest first, filtered by action (a prefix), object and days. This call's own
    entry is written with it, so it is on the next page read, not this one."""
    chosen = _filter(args)
    offset, limit = page_of(args)
    total = db.session.scalar(select(func.count()).select_from(
        filtered(select(AuditEvent.id), chosen).subquery())) or 0
    return {"items": audit_events(chosen, limit=limit, offset=offset), "page": args["page"],
            "per_page": args["per_page"], "total": total}
