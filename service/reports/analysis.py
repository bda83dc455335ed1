"""What the report draws out of the figures: strengths and areas to develop, blind spots and
hidden strengths, change since the previous cycle, and the cohort's average.

Pure functions over a rubric and ``SubjectResults``: they only ever read cells that passed the
anonymity rules, so nothing here can show what the results module hid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean, median
from typing import Any

from service.responses.results import ALL_OTHERS, SubjectResults

COHORT_MIN_LEADERS = 5  # fewer leaders and the cohort's average says too much about each one


@dataclass(frozen=True)
class ItemScore:
    """One behaviour as "all others" see it (and self, when shown)."""

    item_id: str
    section_id: str
    order: int  # position in the rubric: breaks ties
    others: float
    self: float | None


def item_scores(rubric: Mapping[str, Any], results: SubjectResults) -> list[ItemScore]:
    """Every item whose "all others" cell is shown, in rubric order."""
    scores = []
    order = 0
    for section in rubric["sections"]:
        for item in section["items"]:
            cells = results.items[item["id"]]
            others, own = cells.get(ALL_OTHERS), cells.get("self")
            if others is not None:
                scores.append(ItemScore(item["id"], section["id"], order, others.mean,
                                        own.mean if own is not None else None))
            order += 1
    return scores


def strengths_and_areas(scores: Sequence[ItemScore], top: int
                        ) -> tuple[list[ItemScore], list[ItemScore]]:
    """The ``top`` highest and lowest items by all others' mean, ties broken by item order.

    With fewer than 2 × top items the list is split in half, so no item is both."""
    per_list = min(top, len(scores) // 2)
    highest = sorted(scores, key=lambda s: (-s.others, s.order))[:per_list]
    chosen = {s.item_id for s in highest}
    lowest = [s for s in sorted(scores, key=lambda s: (s.others, s.order))
              if s.item_id not in chosen][:per_list]
    return highest, lowest


def self_other_gaps(scores: Sequence[ItemScore], blind_spot_gap: float,
                    hidden_strength_gap: float) -> tuple[list[ItemScore], list[ItemScore]]:
    """Blind spots (self at least ``blind_spot_gap`` above all others) and hidden strengths
    (self at least ``hidden_strength_gap`` below), largest gap first, then item order."""
    rated = [s for s in scores if s.self is not None]
    # Rounded like the page, so an item shown as exactly on the threshold is counted.
    blind = [s for s in rated if round(s.self - s.others, 6) >= blind_spot_gap]
    hidden = [s for s in rated if round(s.others - s.self, 6) >= hidden_strength_gap]
    return (sorted(blind, key=lambda s: (-(s.self - s.others), s.order)),
            sorted(hidden, key=lambda s: (-(s.others - s.self), s.order)))


def section_means(results: SubjectResults, column: str = ALL_OTHERS) -> dict[str, float]:
    """Each section's shown mean in one column."""
    return {section_id: cells[column].mean for section_id, cells in results.sections.items()
            if cells.get(column) is not None}


def cohort_means(leaders: Sequence[Mapping[str, float]],
                 min_leaders: int = COHORT_MIN_LEADERS) -> dict[str, dict[str, float]]:
    """The average of the leaders' "all others" section means, for each section that at least
    ``min_leaders`` leaders have a shown mean in (each leader counts once)."""
    cohort: dict[str, dict[str, float]] = {}
    for section_id in dict.fromkeys(s for leader in leaders for s in leader):
        values = [leader[section_id] for leader in leaders if section_id in leader]
        if len(values) >= min_leaders:
            cohort[section_id] = {"mean": fmean(values), "leaders": len(values)}
    return cohort


@dataclass(frozen=True)
class Change:
    """Then and now for one section or item, in one column."""

    id: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


def sections_compared(before_rubric: Mapping[str, Any], before: SubjectResults,
                      rubric: Mapping[str, Any], after: SubjectResults,
                      column: str = ALL_OTHERS) -> list[Change]:
    """Sections that hold the same items in both rubric versions and are shown both times."""
    def items_of(r: Mapping[str, Any]) -> dict[str, list[str]]:
        return {s["id"]: [i["id"] for i in s["items"]] for s in r["sections"]}

    then, now = items_of(before_rubric), items_of(rubric)
    then_means, now_means = section_means(before, column), section_means(after, column)
    return [Change(section_id, then_means[section_id], now_means[section_id])
            for section_id, ids in now.items()
            if sorted(then.get(section_id, [])) == sorted(ids)
            and section_id in then_means and section_id in now_means]


def items_compared(before: SubjectResults, after: SubjectResults,
                   column: str = ALL_OTHERS) -> list[Change]:
    """Items (matched by id across rubric versions) shown in that column both times."""
    changes = []
    for item_id, cells in after.items.items():
        then = before.items.get(item_id, {}).get(column)
        now = cells.get(column)
        if then is not None and now is not None:
            changes.append(Change(item_id, then.mean, now.mean))
    return changes


LEVELS = ("self", "team", "organisation", "system")  # the framework's order, inward out


@dataclass(frozen=True)
class LevelScore:
    """A level's behaviours: the mean of their shown item means, and how many there were."""

    level: str
    items: int
    others: float | None
    self: float | None


def level_scores(rubric: Mapping[str, Any], results: SubjectResults) -> list[LevelScore]:
    """All others' and self's average per level, from item cells already shown.

    An unweighted mean of item means (each behaviour counts once, whoever rated it), so a
    level's figure is made only of numbers printed elsewhere in the report."""
    by_level: dict[str, list[str]] = {}
    for section in rubric["sections"]:
        for item in section["items"]:
            if item.get("level") in LEVELS:
                by_level.setdefault(item["level"], []).append(item["id"])

    def mean_of(ids: Sequence[str], column: str) -> float | None:
        means = [cell.mean for i in ids if (cell := results.items[i].get(column)) is not None]
        return fmean(means) if means else None

    return [LevelScore(level, len(by_level[level]), mean_of(by_level[level], ALL_OTHERS),
                       mean_of(by_level[level], "self"))
            for level in LEVELS if level in by_level]


@dataclass(frozen=True)
class GroupSize:
    """How many of a group answered in the previous cycle and in this one."""

    group: str
    before: int
    after: int
    weak: bool  # too different for the two cycles' figures to compare well


#: The smaller count under this share of the larger and the comparison is called weak: with
#: 3 peers then and 8 now, most of "now" are people who were not asked before.
WEAK_SIZE_RATIO = 2 / 3


def group_sizes_compared(before: SubjectResults, after: SubjectResults) -> list[GroupSize]:
    """Raters per group then and now, for every group but self, in this cycle's order.

    Only counts the earlier report already printed (responses per group) are used. A group
    is weak when it was shown in only one of the two cycles, or its size changed so much that
    the comparison mostly sets different people against each other."""
    then = {summary.group: summary for summary in before.groups}
    rows = []
    for summary in after.groups:
        earlier = then.get(summary.group)
        count_then = earlier.responded if earlier else 0
        if summary.group == "self" or not (count_then or summary.responded):
            continue
        shown_both = summary.shown and earlier is not None and earlier.shown
        low, high = sorted((count_then, summary.responded))
        weak = not shown_both or low < WEAK_SIZE_RATIO * high
        rows.append(GroupSize(summary.group, count_then, summary.responded, weak))
    return rows


def largest_changes(changes: Sequence[Change], count: int, threshold: float = 0.5
                    ) -> tuple[list[Change], list[Change]]:
    """Up to ``count`` items that rose and that fell by at least ``threshold``, largest first."""
    rose = sorted((c for c in changes if c.delta >= threshold), key=lambda c: -c.delta)
    fell = sorted((c for c in changes if c.delta <= -threshold), key=lambda c: c.delta)
    return rose[:count], fell[:count]


@dataclass(frozen=True)
class Priority:
    """A section as all others see it: how important for the role, and how it scored."""

    section_id: str
    order: int  # position in the rubric: breaks ties
    importance: float
    score: float


@dataclass(frozen=True)
class Priorities:
    """The priorities and the two figures the rule compared them with (printed with them)."""

    sections: list[Priority]
    average: float | None  # the leader's average: mean of all others' shown section means
    importance_cut: float | None  # the median of all others' shown importance means


def priorities(rubric: Mapping[str, Any], results: SubjectResults) -> Priorities:
    """Sections that all others rate among the most important and that score below the
    leader's own average (docs/decisions.md, "Importance and priorities").

    A section qualifies when its "all others" importance and score are both shown, its
    importance is at or above the median of the shown importance means, and its score is
    below the mean of all shown "all others" section means. Compared as the page prints them
    (one decimal), so a reader can check every one. Most important first, then lowest score,
    then rubric order. Only shown cells are read, so a hidden group changes nothing here."""
    scores = {section_id: round(mean, 1) for section_id, mean in section_means(results).items()}
    weights = {section_id: round(cells[ALL_OTHERS].mean, 1)
               for section_id, cells in results.importance.items()
               if cells.get(ALL_OTHERS) is not None}
    if not scores or not weights:
        return Priorities([], None, None)
    average = round(fmean(scores.values()), 1)
    cut = round(median(weights.values()), 1)
    order = {section["id"]: index for index, section in enumerate(rubric["sections"])}
    chosen = [Priority(section_id, order[section_id], weights[section_id], scores[section_id])
              for section_id in order
              if section_id in weights and section_id in scores
              and weights[section_id] >= cut and scores[section_id] < average]
    chosen.sort(key=lambda p: (-p.importance, p.score, p.order))
    return Priorities(chosen, average, cut)
