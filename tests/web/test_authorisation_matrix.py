"""Every route x every role, each cell asserted (tests/web/matrix/ holds the expectations).

A route of the app without an entry fails `test_every_route_has_its_row`, so a new page lands
with its row. CSRF is off in this app only: the matrix asks who may do what; every form's CSRF
check is tested with its page (and tests/web/test_defences.py for all of them)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask

import tests.web.matrix as matrix
from service.cycles import operations as cycles
from service.db import db
from service.nominations.models import Invitation, RaterGroup
from service.nominations.operations import nominate
from service.staff import passwords
from service.staff.operations import create_account
from tests import factories
from tests.staff_fixtures import PASSWORD, staff_client_for
from tests.web.matrix import ROLES, SIGNED_IN, Route, World

MODULES = [importlib.import_module(f"{matrix.__name__}.{module.name}")
           for module in pkgutil.iter_modules(matrix.__path__)]
ROUTES: list[Route] = [route for module in MODULES for route in module.ROUTES]
#: A module whose rows need more than the common world defines ``prepare(world)``: it adds
#: what it needs (ids in ``world.extra``) after the world is built, before anyone signs in.
PREPARE = [module.prepare for module in MODULES if hasattr(module, "prepare")]


def _key(route: Route) -> str:
    return f"{route.endpoint}:{route.method}"


@pytest.fixture
def matrix_app(make_app: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    # The same argon2id, with the lowest cost: the matrix signs in six people per world.
    monkeypatch.setattr(passwords, "hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    application = make_app(WTF_CSRF_ENABLED=False,
                           RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'throttle.sqlite'}")
    staff_client_for(application)
    with application.app_context():
        yield application


def build_world() -> World:
    people = factories.team()
    facilitator = factories.person("facilitator", "Fran Facilitator")
    other = factories.person("other", "Olu Otherleader", manager=people["boss"])
    hr = factories.person("hr", "Hana Officer")
    admin = factories.person("admin", "Ada Admin")
    cycle = factories.draft_cycle(people)
    subject = cycle.subjects[0]
    subject.facilitator = facilitator
    other_subject = cycles.add_subject(cycle, other)
    nominate(other_subject, other, RaterGroup.SELF)
    tokens = cycles.launch(cycle)
    pending_id, pending = next(
        (invitation_id, token) for invitation_id, token in tokens.items()
        if _invitation_subject(invitation_id) == subject.id
        and _invitation_group(invitation_id) == RaterGroup.PEER)
    colleague = db.session.get(Invitation, pending_id).nomination.person
    mentor = factories.person("mentor", "Mo Mentor")
    former_mentor = factories.person("former", "Fay Formermentor")
    draft = cycles.create_cycle("Draft cycle", "compassionate-inclusive-leadership",
                                cycle.opens_on, cycle.closes_on)
    draft_subject = cycles.add_subject(draft, people["reports"][0])
    accounts = {"hr": (hr, ("hr",)), "admin": (admin, ("admin",)),
                "leader": (people["leader"], ()), "other_leader": (other, ()),
                "manager": (people["boss"], ()), "facilitator": (facilitator, ()),
                "colleague": (colleague, ()), "mentor": (mentor, ()),
                "former_mentor": (former_mentor, ())}
    for person, roles in accounts.values():
        create_account(person, roles, PASSWORD)
    db.session.commit()
    world = World(cycle_id=cycle.id, subject_id=subject.id, other_subject_id=other_subject.id,
                  draft_id=draft.id, draft_subject_id=draft_subject.id, token=pending,
                  emails={role: person.email for role, (person, _) in accounts.items()})
    for prepare in PREPARE:
        prepare(world)
    db.session.commit()
    return world


def _invitation_subject(invitation_id: int) -> int:
    return db.session.get(Invitation, invitation_id).nomination.subject_id


def _invitation_group(invitation_id: int) -> RaterGroup:
    return db.session.get(Invitation, invitation_id).nomination.group


def client_as(application: Flask, role: str, world: World) -> Any:
    client = application.test_client()
    # One address per role: the sign-in throttle counts per address as well as per account.
    client.environ_base["REMOTE_ADDR"] = f"192.0.2.{ROLES.index(role) + 1}"
    if role == "rater":
        assert client.get(f"/r/{world.token}").status_code == 200
    elif role in SIGNED_IN:
        reply = client.post("/sign-in", data={"email": world.emails[role], "password": PASSWORD})
        assert reply.status_code in (302, 303), f"{role} signs in"
    return client


def test_every_route_has_its_row(matrix_app: Flask) -> None:
    listed = {_key(route) for route in ROUTES}
    assert len(listed) == len(ROUTES), "one row per endpoint and method"
    served = {f"{rule.endpoint}:{method}" for rule in matrix_app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - listed == set(), "routes with no row in tests/web/matrix/"
    assert listed - served == set(), "rows for routes the app does not have"


def _ask(client: Any, role: str, route: Route, world: World) -> int:
    world.extra["asking"] = role
    body = route.data(world) if route.data else None
    reply = client.open(route.url(world), method=route.method, data=body)
    assert reply.status_code < 500, f"{role}: {route.endpoint} answered {reply.status_code}"
    guarded = route.expect["none"] != route.expect["hr"] or \
        route.expect["none"] != route.expect["admin"]
    if guarded and reply.status_code == 302 and role in ("none", "rater"):
        assert re.match(r"^(https?://[^/]+)?/sign-in\?next=", reply.headers["Location"]), \
            f"{role} is sent to sign in, not elsewhere: {reply.headers['Location']}"
    return reply.status_code


def _wrong(route: Route, answers: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Cells that differ, as (answered, expected)."""
    return {role: (answers[role], route.expect[role]) for role in ROLES
            if answers[role] != route.expect[role]}


def test_pages_answer_each_role_as_expected(matrix_app: Flask) -> None:
    """Every GET route, asked by every role in one world (reading changes nothing)."""
    world = build_world()
    clients = {role: client_as(matrix_app, role, world) for role in ROLES}
    wrong = {}
    for route in (r for r in ROUTES if r.method == "GET"):
        answers = {role: _ask(clients[role], role, route, world) for role in ROLES}
        if _wrong(route, answers):
            wrong[_key(route)] = _wrong(route, answers)
    assert wrong == {}


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method != "GET"], ids=_key)
def test_actions_answer_each_role_as_expected(matrix_app: Flask, route: Route) -> None:
    """Each action in a world of its own; roles are asked in ROLES order (HR last), so the
    roles an action must refuse are asked before the one allowed to change the world."""
    world = build_world()
    answers = {role: _ask(client_as(matrix_app, role, world), role, route, world)
               for role in ROLES}
    assert _wrong(route, answers) == {}
