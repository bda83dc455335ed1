"""Staff pages: sign in, sign out, the signed-in landing page, and staff accounts for admins.

Every POST carries the CSRF token (CSRFProtect covers the whole app). A page commits once."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from service.db import db
from service.people.models import Person
from service.staff import oidc, operations, sessions
from service.staff.access import require_role, require_signed_in, role_name, safe_next
from service.staff.models import ROLES
from service.staff.signin import Outcome, check, directory_configured, throttle
from service.web.security import FORM_ACTION_ALSO

bp = Blueprint("staff", __name__)
MAX_EMAIL = 320
OIDC_NEXT = "staff_oidc_next"
SIGN_OUT = Markup(  # the header's sign-out: a form, so that it is a POST with the CSRF token
    '<form class="nhsuk-header__account-form" method="post" action="{}">'
    '<input type="hidden" name="csrf_token" value="{}">'
    '<button class="nhsuk-header__account-button" type="submit">{}</button></form>')


def staff_page_context() -> dict[str, Any]:
    """Role names in the page's language; the header's account items (who is signed in, and
    the sign-out button: a POST with the CSRF token). Staff pages only: the rater's cached
    form page must never carry a signed-in person's name."""
    context: dict[str, Any] = {
        "role_names": {role: role_name(role) for role in ROLES},
        "oidc_name": current_app.config["OIDC_PROVIDER_NAME"]
        if oidc.enabled(current_app.config) else None}
    if current_user.is_authenticated:
        context["account_items"] = [
            {"text": current_user.person.display_name},
            {"html": SIGN_OUT.format(url_for("staff.sign_out"), generate_csrf(), _("Sign out"))}]
    return context


bp.context_processor(staff_page_context)  # the console's blueprints register it too


def _problem(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", title=title, message=message), status


def _sign_in_page(status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("email", "")
    context.setdefault("next", safe_next(request.values.get("next")) or "")
    context.setdefault("expired", session.pop(sessions.EXPIRED, False))
    if oidc.enabled(current_app.config):
        g.setdefault(FORM_ACTION_ALSO, oidc.form_action_origins())
    return render_template("staff/sign_in.html", directory=directory_configured(),
                           **context), status


@bp.get("/sign-in")
def sign_in() -> Any:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("staff.home"))
    return _sign_in_page()


@bp.post("/sign-in")
def sign_in_post() -> Any:
    email = request.form.get("email", "").strip()[:MAX_EMAIL]
    password = request.form.get("password", "")
    errors = {}
    if not email:
        errors["email"] = _("Enter your email address")
    if not password:
        errors["password"] = _("Enter your password")
    if errors:
        return _sign_in_page(400, errors=errors, email=email)
    address = request.remote_addr or "unknown"
    outcome = check(email, password, address)
    if outcome.person is None:
        return _refused(outcome, email, address)
    generation = operations.signed_in(outcome.person, outcome.method,
                                      sessions.actor_for(outcome.person))
    db.session.commit()  # the audit row, and a password rehashed under current parameters
    sessions.start(outcome.person, generation, outcome.directory_roles)
    return redirect(safe_next(request.form.get("next")) or url_for("staff.home"))


def _refused(outcome: Outcome, email: str, address: str) -> Any:
    """The refusal's page, after its audit row (neither says whether the account exists)."""
    account_key = throttle().account_key(email)
    if outcome.wait:
        if throttle().audit_throttled(address):
            operations.sign_in_refused("throttled", address, account_key)
            db.session.commit()
        minutes = max(1, -(-outcome.wait // 60))
        page, status = _sign_in_page(429, email=email, errors={"email": ngettext(
            "Too many attempts to sign in. Try again in %(num)d minute.",
            "Too many attempts to sign in. Try again in %(num)d minutes.", minutes)})
        return page, status, {"Retry-After": str(outcome.wait)}
    if outcome.directory_down:
        operations.sign_in_refused("directory", address, account_key)
        db.session.commit()
        message = _("Sign-in through the directory is not working at the moment. "
                    "Try again in a few minutes.")
        return _sign_in_page(503, email=email, errors={"email": message})
    operations.sign_in_refused("password", address, account_key)
    db.session.commit()
    return _sign_in_page(400, email=email, errors={"email": _(
        "The email address or password is not right. Check them and try again.")})


@bp.post("/sign-out")
def sign_out() -> Any:
    if current_user.is_authenticated:
        operations.signed_out(current_user.person)
        db.session.commit()
    sessions.end()
    return redirect(url_for("staff.sign_in", signed_out=1))


@bp.get("/staff")
@require_signed_in
def home() -> str:
    from service.nominations.lists import my_lists
    from service.sharing.operations import holds_active_share

    nominating, approving = my_lists(current_user.person)
    return render_template("staff/home.html", person=current_user.person,
                           roles=sorted(current_user.roles), nominating=nominating,
                           approving=approving,
                           has_shared=holds_active_share(current_user.person))


@bp.get("/staff/accounts")
@require_role("admin")
def accounts() -> str:
    return render_template("staff/accounts.html", members=operations.staff_members(),
                           roles=ROLES, done=request.args.get("done"))


@bp.post("/staff/accounts")
@require_role("admin")
def accounts_post() -> Any:
    action = request.form.get("action")
    role = request.form.get("role", "")
    if action not in ("grant", "revoke") or role not in ROLES:
        return _problem(400, _("That did not work"), _("Choose a role to grant or remove."))
    try:
        person_id = int(request.form.get("person", ""))
    except ValueError:
        person_id = None
    person = db.session.get(Person, person_id) if person_id else None
    email = request.form.get("email", "").strip()[:MAX_EMAIL]
    if person is None and email:
        person = operations.person_by_email(email)
    if person is None:
        members = operations.staff_members()
        error = (_("Nobody with that email address is in the directory. Check the address, "
                   "or import the person first.") if email else _("Enter an email address"))
        return render_template("staff/accounts.html", members=members, roles=ROLES,
                               errors={"email": error}, email=email), 400
    if action == "revoke" and role == "admin" and person.id == current_user.person.id:
        return _problem(409, _("That did not work"),
                        _("You cannot remove your own admin role: ask another admin."))
    changed = (operations.grant if action == "grant" else operations.revoke)(person, role)
    db.session.commit()
    done = f"{action}-{role}" if changed else "unchanged"
    current_app.logger.info("staff role %s (%s)", action, role)
    return redirect(url_for("staff.accounts", done=done))


@bp.post("/sign-in/oidc")
def oidc_start() -> Any:
    if not oidc.enabled(current_app.config):
        return _problem(404, _("Page not found"), _("This service does not use that sign-in."))
    next_path = safe_next(request.form.get("next"))
    session[OIDC_NEXT] = next_path or ""
    try:
        return oidc.start()
    except oidc.FAILURES as exc:  # the provider's discovery document cannot be read
        current_app.logger.warning("OpenID Connect: cannot start (%s)", type(exc).__name__)
        return _oidc_problem(503)


@bp.get("/sign-in/oidc/callback")
def oidc_callback() -> Any:
    if not oidc.enabled(current_app.config):
        return _problem(404, _("Page not found"), _("This service does not use that sign-in."))
    next_path = session.pop(OIDC_NEXT, "")
    try:
        person = oidc.finish()
    except oidc.OIDCRefused:
        operations.sign_in_refused("oidc-unknown", request.remote_addr or "unknown")
        db.session.commit()
        provider = current_app.config["OIDC_PROVIDER_NAME"]
        return _problem(403, _("You cannot sign in to this service"), _(
            "%(provider)s confirmed who you are, but your email address is not one this "
            "service knows. Staff are added from the organisation's directory: ask HR to check "
            "your record.", provider=provider))
    except oidc.FAILURES as exc:
        current_app.logger.warning("OpenID Connect: sign-in failed (%s)", type(exc).__name__)
        operations.sign_in_refused("oidc-failed", request.remote_addr or "unknown")
        db.session.commit()
        return _oidc_problem(400)
    method = f"OpenID Connect, {current_app.config['OIDC_PROVIDER_NAME']}"
    generation = operations.signed_in(person, method, sessions.actor_for(person))
    db.session.commit()
    sessions.start(person, generation)
    return redirect(safe_next(next_path) or url_for("staff.home"))


def _oidc_problem(status: int) -> tuple[str, int]:
    return _problem(status, _("Sign-in did not work"), _(
        "Signing in with %(provider)s did not work. Go back to the sign-in page and try again.",
        provider=current_app.config["OIDC_PROVIDER_NAME"]))
