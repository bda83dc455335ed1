"""HR reads the audit log: filters (action, object type, object id, dates), a page at a time,
and the same filter as CSV, written by the export's own code (`feedback360 audit export`).

The log holds no answers and never a rater beside a time (service/audit/models.py), so what
the page shows is what the log holds."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _

from service.audit.operations import COLUMNS, AuditFilter, as_rows, audit_events
from service.csv_cells import write_csv
from service.staff.access import require_role
from service.staff.views import staff_page_context
from service.web.date_input import date_from_parts

bp = Blueprint("audit", __name__, url_prefix="/hr")
bp.context_processor(staff_page_context)

PAGE_SIZE = 50
FIELDS = ("action", "object_type", "object_id")


def _date(prefix: str, values: dict[str, str]) -> tuple[dt.date | None, str | None]:
    parts = [values.get(f"{prefix}-{part}", "") for part in ("day", "month", "year")]
    if not any(parts):
        return None, None
    day = date_from_parts(*parts)
    if day is None:
        return None, _("Enter a real date, for example 27 3 2027, or leave all three boxes empty")
    return day, None


def _filter() -> tuple[AuditFilter, dict[str, str], dict[str, str]]:
    """The filter from the query string, the values to show back and the errors by field."""
    values = {key: request.args.get(key, "").strip()[:64] for key in FIELDS}
    for prefix in ("since", "until"):
        for part in ("day", "month", "year"):
            values[f"{prefix}-{part}"] = request.args.get(f"{prefix}-{part}", "").strip()[:4]
    errors = {}
    since, error = _date("since", values)
    if error:
        errors["since-day"] = error
    until, error = _date("until", values)
    if error:
        errors["until-day"] = error
    if since and until and until < since:
        errors["until-day"] = _("The end date must be the same as or after the start date")
    chosen = AuditFilter(
        values["action"] or None, values["object_type"] or None, values["object_id"] or None,
        dt.datetime.combine(since, dt.time()) if since else None,
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) if until else None)
    return chosen, values, errors


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


@bp.get("/audit")
@require_role("hr")
def log() -> Any:
    chosen, values, errors = _filter()
    if errors:
        return render_template("console/audit.html", values=values, errors=errors, rows=[],
                               nav_current="audit.log"), 400
    page = _page_number()
    events = audit_events(chosen, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    query = {key: value for key, value in values.items() if value}
    return render_template(
        "console/audit.html", values=values, rows=as_rows(events[:PAGE_SIZE]), page=page,
        previous=url_for("audit.log", **query, page=page - 1) if page > 1 else None,
        next=url_for("audit.log", **query, page=page + 1) if len(events) > PAGE_SIZE else None,
        export=url_for("audit.export", **query), nav_current="audit.log")


@bp.get("/audit.csv")
@require_role("hr")
def export() -> Any:
    chosen, values, errors = _filter()
    if errors:
        return render_template("console/audit.html", values=values, errors=errors, rows=[],
                               nav_current="audit.log"), 400
    out = io.StringIO()
    write_csv(out, COLUMNS, as_rows(audit_events(chosen)))
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=audit-log.csv"})
