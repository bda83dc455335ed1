"""A personal link as the rater's pages need it: one query, and the frozen rubric from memory.

A rating page used to load the invitation, then one lazy load at a time its nomination,
subject, cycle (with the 13.6 kB frozen rubric), rater and leader: six or seven round trips to
the database for each page, most of the request's time. Here one joined SELECT reads the few
columns the pages use, and the rubric, which cannot change once the cycle is launched, is read
once per process and cycle and kept with what the pages work out from it (the form's fields
rendered for each language and kind of rater).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from markupsafe import Markup
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import aliased

from service import driver
from service.cycles.models import Cycle, CycleGroup, CycleState, Subject
from service.nominations.models import (
    Invitation,
    InvitationStatus,
    Nomination,
    RaterGroup,
    group_key,
)
from service.people.models import Person

#: Frozen rubrics one process keeps (the most recently used; one per running cycle is plenty).
CACHED_RUBRICS = 32
#: Blank pages kept per rubric (language x self or not x a cycle's closing dates).
PAGES_PER_RUBRIC = 16

_Rater = aliased(Person)
_Leader = aliased(Person)
#: The rater's group's own k (Cycle.thresholds in SQL), which the form and emails promise.
_GROUP_K = func.coalesce(case(
    (Nomination.group == RaterGroup.MANAGER, Cycle.manager_min),
    (Nomination.group == RaterGroup.PEER, Cycle.peer_min),
    (Nomination.group == RaterGroup.DIRECT_REPORT, Cycle.direct_report_min),
    (Nomination.group == RaterGroup.OTHER, Cycle.other_min),
    (Nomination.group == RaterGroup.CUSTOM, CycleGroup.min_size)), Cycle.min_group_size)
_LOOKUP = (
    select(Invitation.id, Invitation.status, Invitation.draft, Nomination.group,
           Nomination.subject_id, Cycle.id, Cycle.state, Cycle.closes_on, Cycle.name,
           _GROUP_K, Cycle.language, Cycle.rubric_version, Cycle.launched_at,
           _Rater.language, _Leader.display_name, Nomination.custom_group_id,
           CycleGroup.name_en, CycleGroup.name_cy)
    .join(Nomination, Nomination.id == Invitation.nomination_id)
    .join(Subject, Subject.id == Nomination.subject_id)
    .join(Cycle, Cycle.id == Subject.cycle_id)
    .join(_Rater, _Rater.id == Nomination.person_id)
    .join(_Leader, _Leader.id == Subject.person_id)
    .outerjoin(CycleGroup, CycleGroup.id == Nomination.custom_group_id)
    .where(Invitation.token_hash == bindparam("token_hash"))
)
_LOOKUP_STATEMENT = driver.DriverStatement(_LOOKUP)
_RUBRIC = driver.DriverStatement(
    select(Cycle.rubric_snapshot).where(Cycle.id == bindparam("cycle_id")))


class FrozenRubric:
    """A launched cycle's rubric and what the rating pages derive from it, made once."""

    __slots__ = ("_fields", "_pages", "data", "languages")

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.languages: list[str] = data.get("languages", ["en"])
        self._fields: dict[str, Markup] = {}
        self._pages: dict[tuple[Any, ...], str] = {}

    def blank_fields(self, lang: str, render: Callable[[], Markup]) -> Markup:
        """The form's fields with nothing filled in, by ``lang`` (the languages and the kind of
        rater: the leader's own form words the statements in the first person): the same for
        every rater of that kind in the cycle, so rendered once."""
        fields = self._fields.get(lang)
        if fields is None:
            fields = self._fields[lang] = render()
        return fields

    def blank_page(self, key: tuple[Any, ...], render: Callable[[], str]) -> str:
        """A whole blank form page with stand-ins (service/responses/views.py), by ``key``:
        language, kind of rater and what the page shows of the cycle (a re-open may change
        its closing date, so a few are kept)."""
        page = self._pages.get(key)
        if page is None:
            if len(self._pages) >= PAGES_PER_RUBRIC:
                self._pages.clear()
            page = self._pages[key] = render()
        return page


class RubricCache:
    """Frozen rubrics by (cycle, rubric version, launch time), least recently used dropped.

    The launch time is in the key because SQLite reuses the ids of deleted rows: a cycle id
    alone could name a different cycle tomorrow."""

    def __init__(self, size: int = CACHED_RUBRICS) -> None:
        self.size = size
        self._rubrics: OrderedDict[tuple[Any, ...], FrozenRubric] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], load: Callable[[], dict[str, Any]]) -> FrozenRubric:
        with self._lock:
            rubric = self._rubrics.get(key)
            if rubric is not None:
                self._rubrics.move_to_end(key)
                return rubric
        rubric = FrozenRubric(load())  # outside the lock: a database read
        with self._lock:
            rubric = self._rubrics.setdefault(key, rubric)
            while len(self._rubrics) > self.size:
                self._rubrics.popitem(last=False)
        return rubric


@dataclass(frozen=True, slots=True)
class RatingLink:
    """One invitation with what its pages show and what submitting it writes."""

    invitation_id: int
    status: InvitationStatus
    draft: bytes | None
    group: RaterGroup
    subject_id: int
    cycle_id: int
    cycle_state: CycleState
    closes_on: dt.date
    cycle_name: str
    min_group_size: int  # the k of the rater's own group
    cycle_language: str
    rater_language: str | None
    leader_name: str
    rubric: FrozenRubric | None  # None until the cycle is launched
    custom_group_id: int | None = None  # one of the cycle's own groups
    custom_group_names: tuple[str, str] | None = None  # its name in English and Welsh

    @classmethod
    def of(cls, invitation: Invitation) -> RatingLink:
        """The same from a loaded invitation (the demo, tests): attribute by attribute."""
        nomination = invitation.nomination
        cycle = nomination.subject.cycle
        custom = nomination.custom_group
        key = group_key(nomination.group, custom)
        return cls(invitation.id, invitation.status, invitation.draft, nomination.group,
                   nomination.subject_id, cycle.id, cycle.state, cycle.closes_on, cycle.name,
                   cycle.thresholds.for_group(key), cycle.language,
                   nomination.person.language, nomination.subject.person.display_name,
                   FrozenRubric(cycle.rubric_snapshot) if cycle.rubric_snapshot else None,
                   nomination.custom_group_id,
                   (custom.name_en, custom.name_cy) if custom is not None else None)

    def group_name(self, lang: str) -> str | None:
        """The name of the cycle's own group the rater answers in, in ``lang``."""
        if self.custom_group_names is None:
            return None
        english, welsh = self.custom_group_names
        return welsh if lang == "cy" and welsh else english


def lookup(token_hash: str) -> Any:
    """The link's row (see ``_LOOKUP``), or None: one query (service/driver.py)."""
    return driver.connection().run(_LOOKUP_STATEMENT, token_hash=token_hash).row


def link_from_row(row: Any, with_rubric: bool) -> RatingLink:
    """Build the link; its rubric (only for a launched cycle) from this process's cache."""
    rubric = frozen_rubric(row[5], row[11], row[12]) if with_rubric else None
    return RatingLink(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                      row[9], row[10], row[13], row[14], rubric, row[15],
                      (row[16], row[17]) if row[15] is not None else None)


def frozen_rubric(cycle_id: int, version: int | None, launched_at: dt.datetime | None
                  ) -> FrozenRubric:
    cache: RubricCache | None = current_app.extensions.get("frozen_rubrics")
    if cache is None:
        cache = current_app.extensions.setdefault("frozen_rubrics", RubricCache())

    def load() -> dict[str, Any]:
        row = driver.connection().run(_RUBRIC, cycle_id=cycle_id).row
        data = row[0] if row else None
        if data is None:
            raise LookupError(f"cycle {cycle_id} has no frozen rubric; it was never launched")
        return data

    return cache.get((cycle_id, version, launched_at), load)
