"""Staff sessions with Flask-Login: who is signed in, for how long, and as whom they act.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure over HTTPS: see
service/web/security.py). It holds the person's id, when they signed in and when they were last
seen: a request past STAFF_SESSION_IDLE_MINUTES of quiet or STAFF_SESSION_MAX_HOURS after the
sign-in finds the session emptied and the person signed out. Signing in starts a new session
(nothing from before it survives, the CSRF token included), so a session planted before the
sign-in is worth nothing after it.

The cookie also carries the person's session generation (`SessionGeneration`), checked against
the database on every request: signing out, a new password or a removed role moves it on, so a
copy of the cookie taken before is refused although its signature and times are still good."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import Flask, current_app, g, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import select

from service.audit.operations import Actor
from service.db import db
from service.i18n import set_person_language
from service.people.models import Person
from service.staff.models import SessionGeneration
from service.staff.operations import roles_of

SINCE, SEEN, DIRECTORY_ROLES, EXPIRED, GENERATION = (
    "staff_since", "staff_seen", "staff_directory_roles", "staff_expired", "staff_generation")
# Pages that never need to know who is signed in: the rater's own pages (one personal link,
# no account, and a query budget of their own) and static files.
ANONYMOUS_BLUEPRINTS = {"rating"}


@dataclass(eq=False)
class StaffUser(UserMixin):
    person: Person
    roles: frozenset[str] = field(default_factory=frozenset)

    def get_id(self) -> str:
        return str(self.person.id)

    def has_role(self, role: str) -> bool:
        return role in self.roles


login_manager = LoginManager()


def configure(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "staff.sign_in"
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["STAFF_SESSION_MAX_HOURS"] * 3600
    app.config["REMEMBER_COOKIE_DURATION"] = 0  # no "remember me": the session is the limit
    app.before_request(_who_is_acting)  # after the i18n hook that forgets the last language
    from service.staff.oidc import configure as configure_oidc

    configure_oidc(app)


@login_manager.user_loader
def _load(user_id: str) -> StaffUser | None:
    config = current_app.config
    now = time.time()
    since, seen = session.get(SINCE, 0), session.get(SEEN, 0)
    if (now - since > config["STAFF_SESSION_MAX_HOURS"] * 3600
            or now - seen > config["STAFF_SESSION_IDLE_MINUTES"] * 60):
        _end(expired=True)
        return None
    try:
        found = db.session.execute(
            select(Person, SessionGeneration.generation)
            .join(SessionGeneration, SessionGeneration.person_id == Person.id)
            .where(Person.id == int(user_id))).first()
    except ValueError:
        found = None
    # Gone, left the organisation since signing in, or signed out (elsewhere too) since.
    if found is None or not found[0].active or session.get(GENERATION) != found[1]:
        _end(expired=True)
        return None
    person = found[0]
    session[SEEN] = now
    roles = roles_of(person.id) | set(session.get(DIRECTORY_ROLES, ()))
    return StaffUser(person, frozenset(roles))


def _end(expired: bool = False) -> None:
    session.clear()
    if expired:
        session[EXPIRED] = True


def start(person: Person, generation: int,
          directory_roles: frozenset[str] = frozenset()) -> None:
    """A new session for ``person`` under ``generation`` (`operations.signed_in`, committed
    first); the old session, and its CSRF token, are dropped."""
    session.clear()
    now = time.time()
    user = StaffUser(person, frozenset(roles_of(person.id) | directory_roles))
    login_user(user)
    session.permanent = True  # the cookie itself ends with STAFF_SESSION_MAX_HOURS
    session[SINCE] = session[SEEN] = now
    session[DIRECTORY_ROLES] = sorted(directory_roles)
    session[GENERATION] = generation


def end() -> None:
    logout_user()
    _end()


def actor_for(person: Person) -> Actor:
    return Actor(f"{person.display_name} <{person.email}>", person.id,
                 request.remote_addr or "unknown")


def _who_is_acting() -> None:
    """For every signed-in request: the audit actor and the person's directory language."""
    if request.endpoint == "static" or request.blueprint in ANONYMOUS_BLUEPRINTS:
        return
    if current_user.is_authenticated:
        person = current_user.person
        g.audit_actor = actor_for(person)
        set_person_language(person.language)
