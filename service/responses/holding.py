"""Moving held answers into ``responses``: together, shuffled, never one rater's alone.

A rater's submit writes their invitation's new state and a sealed *held* response in one
transaction, so anyone who can replay the database's history (SQLite's WAL, PostgreSQL's row
versions) can pair the two, but cannot read the held row. Its answers appear in ``responses``
only here, in a later transaction that moves many held rows at once, in random order:

- at a cycle's **first close**, every held answer of the cycle moves, so each group's answers
  appear together and a reader of the history can do no better than chance within the group;
- at a **later close** (after a re-open), a group's late answers move only when at least as
  many as the group's threshold are waiting (never fewer than two), or when the group is one
  person (self, a single manager), whose answers the group label names anyway. Until then they
  stay held, are counted as held back in the report, and nothing in the database says which
  raters or responses came late.

The thresholds here are the batch sizes the rules in DESIGN.md ("Anonymity by construction")
ask of the storage; the report's own rules (service/reports/versions.py) still decide what a
new version may show.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select

from service.cycles.models import Cycle
from service.db import db
from service.nominations.models import Nomination, RaterGroup
from service.responses.models import HeldResponse, Response
from service.responses.results import Thresholds
from service.responses.sealing import open_held

_shuffle = random.SystemRandom().shuffle
#: (subject id, group, the cycle's own group's id or None): one group of one leader.
GroupKey = tuple[int, RaterGroup, int | None]
CHUNK = 1000


@dataclass(frozen=True)
class MoveCounts:
    moved: int
    still_held: int


def batch_size(group: str, thresholds: Thresholds) -> int:
    """How many late answers of a group (its results key) must be waiting before they may
    appear together."""
    return max(2, thresholds.for_group(group))


def may_move(group: str, waiting: int, nominated: int, thresholds: Thresholds,
             first_close: bool) -> bool:
    if first_close or group == RaterGroup.SELF.value or nominated <= 1:
        return True
    return waiting >= batch_size(group, thresholds)


def move_held(cycle: Cycle, first_close: bool) -> MoveCounts:
    """Move what may move into ``responses`` (new random ids, shuffled order) and delete it from
    the holding table, in the caller's transaction."""
    held = list(db.session.execute(
        select(HeldResponse.id, HeldResponse.subject_id, HeldResponse.rater_group,
               HeldResponse.custom_group_id)
        .where(HeldResponse.cycle_id == cycle.id)))
    if not held:
        return MoveCounts(0, 0)
    waiting: dict[GroupKey, list[uuid.UUID]] = defaultdict(list)
    for held_id, subject_id, group, custom_id in held:
        waiting[(subject_id, group, custom_id)].append(held_id)
    nominated = _nominated(cycle)
    thresholds = cycle.thresholds
    custom = {group.id: group.results_key for group in cycle.custom_groups}
    moving = [held_id for key, ids in waiting.items()
              if may_move(custom[key[2]] if key[2] is not None else key[1].value, len(ids),
                          nominated.get(key, 0), thresholds, first_close)
              for held_id in ids]
    if not moving:
        return MoveCounts(0, len(held))
    _shuffle(moving)
    for start in range(0, len(moving), CHUNK):  # 8 kB a row: a national cycle never at once
        chunk = moving[start:start + CHUNK]
        rows = {row.id: row for row in db.session.scalars(
            select(HeldResponse).where(HeldResponse.id.in_(chunk)))}
        responses = []
        for held_id in chunk:
            row = rows[held_id]
            answers, comments = open_held(row.sealed)
            responses.append({"id": uuid.uuid4(), "cycle_id": row.cycle_id,
                              "subject_id": row.subject_id, "rater_group": row.rater_group,
                              "custom_group_id": row.custom_group_id,
                              "answers": answers, "comments": comments})
            db.session.expunge(row)
        db.session.execute(insert(Response), responses)
        db.session.execute(delete(HeldResponse).where(HeldResponse.id.in_(chunk))
                           .execution_options(synchronize_session=False))
    db.session.flush()
    return MoveCounts(len(moving), len(held) - len(moving))


def held_counts(cycle: Cycle) -> dict[int, int]:
    """Subject id -> answers still held (late ones waiting for others of their group)."""
    return dict(db.session.execute(
        select(HeldResponse.subject_id, func.count()).where(HeldResponse.cycle_id == cycle.id)
        .group_by(HeldResponse.subject_id)).all())


def _nominated(cycle: Cycle) -> dict[GroupKey, int]:
    from service.cycles.models import Subject

    return {(subject_id, group, custom_id): count
            for subject_id, group, custom_id, count in db.session.execute(
                select(Nomination.subject_id, Nomination.group, Nomination.custom_group_id,
                       func.count())
                .join(Subject, Nomination.subject_id == Subject.id)
                .where(Subject.cycle_id == cycle.id)
                .group_by(Nomination.subject_id, Nomination.group, Nomination.custom_group_id))}
