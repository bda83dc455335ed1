"""When a report may change after it was released: the rule against reading a late answer by
difference.

A reader who has two versions of a report can subtract one from the other. For any cell (an
item, a section or a section's importance, in one column) the difference is the aggregate of
the raters who joined it in between, so a new version is allowed only when, in every cell
shown in both versions:

1. nobody who was behind the cell before has left it (the difference would mix a leaver's
   answer with a joiner's); and
2. the raters who joined are none, or at least as many as the column's threshold (each group
   its own k; the manager minimum for the manager; anyone for self). In "all others" the
   joiners must reach the organisation's k and the k of every group they come from, and
   joiners from a non-anonymous group whose own column shows them in the same cell (the
   manager) are not counted: their answer is on the page anyway.
3. Respondents: in every anonymous group shown in its own column in both versions, the raters
   who responded in between are none or at least the group's threshold. A group's "n not
   observed" counts and its "Not observed" label depend on everyone who responded in it, not
   only on those who rated the item, so one late rater who chose "not observed" would
   otherwise be told apart without changing any cell's ratings.
4. Comments: nobody leaves the comment pool, and if any new comment text appears, the raters
   who joined the pool reach the organisation's k and the k of each of their groups (a new
   comment is then one of at least that many people's).

The later version is checked against every version a reader has been given. When it fails,
the late responses are held back, whole, until enough others arrive (service/reports/
operations.py); a report is never changed in a way a reader could subtract.

Pure functions over results from ``service.responses.results``: no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.responses.results import ALL_OTHERS, Rater, SubjectResults, Thresholds

_NOT_ANONYMOUS = ("self", "manager")


@dataclass(frozen=True)
class Version:
    """One version's results and, per group, the response ids in the order they were given."""

    results: SubjectResults
    keys: Mapping[str, Sequence[str]]

    def ids(self, raters: frozenset[Rater]) -> frozenset[str]:
        return frozenset(self.keys[group][position] for group, position in raters)

    def cells(self) -> dict[tuple[str, str, str], frozenset[str]]:
        """(kind, id, column) -> response ids behind that shown cell."""
        found: dict[tuple[str, str, str], frozenset[str]] = {}
        for kind, members in (("item", self.results.item_members),
                              ("section", self.results.section_members),
                              ("importance", self.results.importance_members)):
            for cell_id, columns in members.items():
                for column, raters in columns.items():
                    found[(kind, cell_id, column)] = self.ids(raters)
        return found

    def group_of(self) -> dict[str, str]:
        return {key: group for group, keys in self.keys.items() for key in keys}

    def comment_texts(self) -> Counter[str]:
        return Counter(text for texts in self.results.comments.values() for text in texts)


def difference_problems(earlier: Version, later: Version, thresholds: Thresholds) -> list[str]:
    """Why ``later`` could be subtracted from ``earlier`` to learn something about fewer than
    k raters; an empty list means it is safe to publish."""
    problems: list[str] = []
    before, after = earlier.cells(), later.cells()
    groups = {**earlier.group_of(), **later.group_of()}
    for cell, members in before.items():
        if cell not in after:
            continue  # hidden now: nothing to subtract from
        kind, cell_id, column = cell
        now = after[cell]
        if not members <= now:
            problems.append(f"{kind} {cell_id}, {column}: a rater would leave the cell")
            continue
        joined = now - members
        if column == ALL_OTHERS:
            joined = {key for key in joined
                      if not (groups[key] in _NOT_ANONYMOUS
                              and key in after.get((kind, cell_id, groups[key]), ()))}
        needed = thresholds.for_group(column)
        if column == ALL_OTHERS:
            needed = thresholds.pool_min({groups[key] for key in joined})
        if column != "self" and 0 < len(joined) < needed:
            problems.append(f"{kind} {cell_id}, {column}: {len(joined)} joined, fewer than "
                            f"{needed}")
    problems += _respondent_problems(earlier, later, thresholds)
    old_pool, new_pool = earlier.ids(earlier.results.comment_members), later.ids(
        later.results.comment_members)
    if not old_pool <= new_pool:
        problems.append("comments: a rater would leave the comment pool")
    elif later.comment_texts() - earlier.comment_texts():
        joined = new_pool - old_pool
        needed = thresholds.pool_min({groups[key] for key in joined})
        if len(joined) < needed:
            problems.append(f"comments: new comments from {len(joined)} raters, fewer than "
                            f"{needed}")
    return problems


def _respondent_problems(earlier: Version, later: Version, thresholds: Thresholds) -> list[str]:
    """Rule 3: what each shown anonymous group's column says beyond its cells' ratings."""
    problems: list[str] = []
    for group in earlier.results.columns:
        if group in _NOT_ANONYMOUS or group == ALL_OTHERS or group not in later.results.columns:
            continue
        before, after = set(earlier.keys.get(group, ())), set(later.keys.get(group, ()))
        joined, needed = len(after - before), thresholds.for_group(group)
        if not before <= after:
            problems.append(f"{group}: a rater would leave the group")
        elif 0 < joined < needed:
            problems.append(f"{group}: {joined} responded since, fewer than {needed}")
    return problems
