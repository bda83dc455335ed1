"""Permission checks for staff pages: `@require_role("hr")`, `@require_signed_in`.

Anonymous people are sent to sign in and brought back (to a local path only: `next` is never
allowed to point at another site); signed-in people without the role get a 403 page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from service.staff.models import ROLES

F = TypeVar("F", bound=Callable[..., Any])


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _to_sign_in() -> Any:
    here = request.full_path if request.query_string else request.path
    return redirect(url_for("staff.sign_in", next=here))


def require_signed_in(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _to_sign_in()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def role_name(role: str) -> str:
    return {"hr": _("HR"), "admin": _("Admin")}[role]


def require_role(role: str) -> Callable[[F], F]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _to_sign_in()
            if not current_user.has_role(role):
                return render_template("error.html", title=_("You cannot use this page"),
                                       message=_("This page is for people with the %(role)s "
                                                 "role. If you need it, ask an admin.",
                                                 role=role_name(role))), 403
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
