"""The admins' webhook pages: endpoints (register one, its signing secret shown once on the
answer to the form; disable, enable) and deliveries (status, attempts, last error, send
again). Through the same operations as `feedback360 webhook …`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service.db import db
from service.errors import DomainError
from service.staff.access import require_role
from service.staff.views import staff_page_context
from service.webhooks import endpoints
from service.webhooks.events import EVENTS
from service.webhooks.urls import check_url

bp = Blueprint("webhooks", __name__, url_prefix="/staff/webhooks")
bp.context_processor(staff_page_context)


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("values", {"url": "", "description": "", "events": []})
    return render_template("staff/webhooks.html", endpoints=endpoints.list_endpoints(),
                           events=EVENTS, nav_current="webhooks.page", **context), status


def _refused(exc: DomainError) -> tuple[str, int]:
    db.session.rollback()
    return render_template("error.html", title=_("Sorry, that did not work"),
                           message=str(exc)), exc.status_code


@bp.get("")
@require_role("admin")
def page() -> Any:
    return _page(done=request.args.get("done"))


@bp.post("")
@require_role("admin")
def create() -> Any:
    values = {"url": request.form.get("url", "")[:2100],
              "description": request.form.get("description", "")[:300],
              "events": request.form.getlist("events")[:20]}
    errors: dict[str, str] = {}
    for field, check in (("url", check_url), ("description", endpoints.check_description)):
        try:
            check(values[field])
        except DomainError as exc:
            errors[field] = str(exc)
    try:
        endpoints.check_events(values["events"])
    except DomainError:
        errors["events"] = _("Choose at least one event")
    if errors:
        return _page(400, errors=errors, values=values)
    made = endpoints.create_endpoint(values["url"], values["description"], values["events"])
    db.session.commit()
    return _page(made=made)


@bp.post("/<id:endpoint_id>/<any(disable, enable):change>")
@require_role("admin")
def change(endpoint_id: int, change: str) -> Any:
    try:
        endpoint = endpoints.get_endpoint(endpoint_id)
        (endpoints.disable_endpoint if change == "disable" else endpoints.enable_endpoint)(
            endpoint)
    except DomainError as exc:
        return _refused(exc)
    db.session.commit()
    return redirect(url_for("webhooks.page", done=f"{change}d"))


@bp.get("/deliveries")
@require_role("admin")
def deliveries() -> Any:
    return render_template("staff/webhook_deliveries.html",
                           deliveries=endpoints.list_deliveries(),
                           limit=endpoints.DELIVERY_LIST_LIMIT, done=request.args.get("done"),
                           nav_current="webhooks.page")


@bp.post("/deliveries/<id:delivery_id>/resend")
@require_role("admin")
def resend(delivery_id: int) -> Any:
    try:
        endpoints.resend(endpoints.get_delivery(delivery_id))
    except DomainError as exc:
        return _refused(exc)
    db.session.commit()
    return redirect(url_for("webhooks.deliveries", done="resent"))
