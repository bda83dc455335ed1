"""The admins' page for API keys: create one (shown once, on the answer to the form, never
again) and revoke one. Through the same operations as `feedback360 apikey …`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service.api import keys
from service.db import db
from service.errors import DomainError
from service.staff.access import require_role
from service.staff.views import staff_page_context

bp = Blueprint("api_keys", __name__, url_prefix="/staff/api-keys")
bp.context_processor(staff_page_context)


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("values", {"name": "", "scopes": [], "days": ""})
    return render_template("staff/api_keys.html", keys=keys.list_keys(), scopes=keys.SCOPES,
                           state=keys.key_state, max_days=keys.MAX_DAYS,
                           nav_current="api_keys.page", **context), status


@bp.get("")
@require_role("admin")
def page() -> Any:
    return _page(done=request.args.get("done"))


@bp.post("")
@require_role("admin")
def create() -> Any:
    values = {"name": request.form.get("name", "")[:200],
              "scopes": request.form.getlist("scopes")[:20],
              "days": request.form.get("days", "").strip()[:6]}
    errors: dict[str, str] = {}
    days: int | None = None
    try:
        keys.check_name(values["name"])
    except DomainError as exc:
        errors["name"] = str(exc)
    try:
        keys.check_scopes(values["scopes"])
    except DomainError:
        errors["scopes"] = _("Choose at least one scope")
    if values["days"]:
        try:
            days = keys.check_days(int(values["days"]))
        except (ValueError, DomainError):
            errors["days"] = _("Enter a whole number of days from 1 to %(max)d, or leave it "
                               "empty for a key that does not expire", max=keys.MAX_DAYS)
    if errors:
        return _page(400, errors=errors, values=values)
    made = keys.create_key(values["name"], values["scopes"], days)
    db.session.commit()
    return _page(made=made)


@bp.post("/<id:key_id>/revoke")
@require_role("admin")
def revoke(key_id: int) -> Any:
    try:
        key = keys.get_key(key_id)
        keys.revoke_key(key)
    except DomainError as exc:
        db.session.rollback()
        return render_template("error.html", title=_("Sorry, that did not work"),
                               message=str(exc)), exc.status_code
    db.session.commit()
    return redirect(url_for("api_keys.page", done="revoked"))
