"""The authorisation matrix: what every route answers to every kind of person.

Each module in this package lists `ROUTES`: one `Route` per endpoint and method, with the status
expected for each role in `ROLES`. tests/web/test_authorisation_matrix.py asks every route as
every role and fails for any route of the app that has no entry here, so a new page cannot
land without its row. Modules are per area (`core.py` for what is not the HR console; one
file per group of pages), so work on different pages does not touch the same file.

The roles are people, not only granted roles:
- ``none``: nobody signed in; ``rater``: nobody signed in, but holding a rater's personal link
  (the client has opened it);
- ``hr`` and ``admin``: local accounts with that one granted role;
- ``colleague``: signed in as the person whose pending link ``rater`` holds (a peer of the
  leader);
- ``leader``: the subject of the open cycle; ``other_leader``: another leader in that cycle;
- ``manager``: the leader's line manager; ``facilitator``: assigned to the leader;
- ``mentor``: someone the leader shares their report with; ``former_mentor``: someone whose
  share the leader withdrew (until report shares exist, both are people with no relationship).
Everyone but ``none``, ``rater``, ``hr`` and ``admin`` has a local account and no granted role.

A URL is built from the `World` (the ids and the link of one set-up), so every cell asks about
real objects: a 404 in the matrix means "not found", never "the test named nothing".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("none", "rater", "colleague", "leader", "other_leader", "manager", "facilitator",
         "mentor", "former_mentor", "admin", "hr")
SIGNED_IN = ROLES[2:]


@dataclass
class World:
    """What one set-up made: an open cycle (`cycle_id`) with the leader (`subject_id`) and
    another leader (`other_subject_id`), a draft cycle (`draft_id`, with `draft_subject_id`),
    a pending rater's link (`token`) and everyone's email address by role."""

    cycle_id: int
    subject_id: int
    other_subject_id: int
    draft_id: int
    draft_subject_id: int
    token: str
    emails: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """``expect`` maps each role to a status; ``data`` builds a form body for a POST."""

    endpoint: str
    method: str
    url: Callable[[World], str]
    expect: dict[str, int]
    data: Callable[[World], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        missing = set(ROLES) - set(self.expect)
        if missing:
            raise ValueError(f"{self.endpoint} {self.method}: no expectation for {sorted(missing)}")


def everyone(status: int, **exceptions: int) -> dict[str, int]:
    """The same answer for every role, but the ones named."""
    return {role: exceptions.get(role, status) for role in ROLES}


def hr_only(ok: int = 200) -> dict[str, int]:
    """An HR page: anonymous people are sent to sign in (302), signed-in people without the hr
    role are refused (403), HR gets ``ok``."""
    return {**everyone(403, none=302, rater=302), "hr": ok}


def admin_only(ok: int = 200) -> dict[str, int]:
    return {**everyone(403, none=302, rater=302), "admin": ok}


def signed_in(ok: int = 200) -> dict[str, int]:
    return {**everyone(ok, none=302, rater=302)}
