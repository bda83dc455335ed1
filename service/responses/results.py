"""Turn one subject's responses into report figures that cannot be traced back to a rater.

Pure functions over plain data, so the anonymity rules (DESIGN.md "Thresholds") live in one
place that property tests can check exhaustively, without a database or a web app.

The rules, in short:

1. A rater group is *shown* only when enough of it responded (self: 1; every other group its
   own k, ``Thresholds.for_group``: the manager ``manager_min``, peers, direct reports and
   others their own k or ``min_group_size``, a cycle's custom groups theirs); a hidden group has
   no figures or comments under its name.
2. Each cell (one item or section, one group) needs its own n ≥ the group's threshold, because
   "not observed" answers can shrink a cell to one identifiable rating.
3. "All others" pools the visible non-self cells, plus the hidden remainder H only when H alone
   holds as many ratings as the largest k of the groups in it (and at least ``min_group_size``):
   whatever a reader can get by subtracting the visible columns from "all others" is then
   either nothing or a pool at least as large as every one of its groups asks.
4. Comments of hidden groups are pooled in only when the hidden groups together have as many
   raters as the largest k among them (and at least ``min_group_size``).
5. A section cell pools exactly the ratings behind that column's *shown* item cells in the
   section, and is hidden when none of them is shown. Its mean, sd, min and max are then fixed by
   the shown item cells (total = Σ mean·n, squares = Σ n·(sd² + mean²)), so subtracting item
   cells from a section yields nothing new. (Per-rater section means did leak: a rater who left
   an item unrated weighs differently in the section, which singles out their answer.)
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from service.rubrics import importance as importance_keys

#: The built-in groups, in the report's order; a cycle may add its own after them (custom).
GROUPS = ("self", "manager", "peer", "direct_report", "other")
ALL_OTHERS = "all_others"
COLUMNS = (*GROUPS, ALL_OTHERS)
NON_SELF_GROUPS = GROUPS[1:]
#: A cycle's own groups are keyed ``custom_<key>``, so they can never take a built-in's name.
CUSTOM_PREFIX = "custom_"
_NOT_ANONYMOUS = frozenset({"self", "manager"})


def _check_k(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"Thresholds.{name} must be an integer ≥ 1, got {value!r}")


@dataclass(frozen=True)
class Thresholds:
    """Minimum raters per group; below it a group's answers could identify someone.

    ``min_group_size`` is the organisation's k: it applies to "all others", and to peers,
    direct reports and others unless the cycle gives them their own (``peer_min`` ...).
    ``custom`` lists the cycle's own groups, in order, as (``custom_<key>``, k)."""

    min_group_size: int = 3
    manager_min: int = 1  # the manager group is labelled "not anonymous" when shown
    peer_min: int | None = None
    direct_report_min: int | None = None
    other_min: int | None = None
    custom: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        for name in ("min_group_size", "manager_min"):
            _check_k(name, getattr(self, name))
        for name in ("peer_min", "direct_report_min", "other_min"):
            if getattr(self, name) is not None:
                _check_k(name, getattr(self, name))
        keys = [key for key, _ in self.custom]
        for key, k in self.custom:
            if not key.startswith(CUSTOM_PREFIX) or len(key) == len(CUSTOM_PREFIX):
                raise ValueError(f"a custom group's key must start with {CUSTOM_PREFIX!r}, "
                                 f"got {key!r}")
            _check_k(f"custom[{key}]", k)
        if len(set(keys)) != len(keys):
            raise ValueError("custom groups must have different keys")

    @property
    def groups(self) -> tuple[str, ...]:
        """Every rater group, self first: the built-in ones, then the cycle's own."""
        return (*GROUPS, *(key for key, _ in self.custom))

    @property
    def non_self_groups(self) -> tuple[str, ...]:
        return self.groups[1:]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.groups, ALL_OTHERS)

    def for_group(self, group: str) -> int:
        """The k that a column must reach; self is always shown when present."""
        if group == "self":
            return 1
        if group == "manager":
            return self.manager_min
        if group in NON_SELF_GROUPS:
            own = getattr(self, f"{group}_min")
            return self.min_group_size if own is None else own
        if group == ALL_OTHERS:
            return self.min_group_size
        for key, k in self.custom:
            if key == group:
                return k
        raise ValueError(f"unknown rater group {group!r}")

    def pool_min(self, groups: Iterable[str]) -> int:
        """The k of a pool mixing these groups (the hidden remainder of "all others", the
        comments): the organisation's k, or more if any group in it asks for more."""
        return max((self.min_group_size,
                    *(self.for_group(group) for group in groups if group != "self")))


@dataclass(frozen=True)
class RaterAnswers:
    """One submitted response: the rater's group and answers, nothing that identifies them."""

    group: str
    answers: Mapping[str, int | None]  # item_id -> rating ≥ 1, None/missing = not observed
    comments: Mapping[str, str]  # question_id -> text; blank = no comment

    def __post_init__(self) -> None:
        # Fail loudly: a silently dropped or mis-grouped rater would corrupt every threshold.
        if self.group not in GROUPS and not (
                isinstance(self.group, str) and self.group.startswith(CUSTOM_PREFIX)
                and len(self.group) > len(CUSTOM_PREFIX)):
            raise ValueError(f"unknown rater group {self.group!r}; expected one of {GROUPS} "
                             f"or a cycle's own group ({CUSTOM_PREFIX}…)")
        for item_id, value in self.answers.items():
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ValueError(f"answer to {item_id!r} must be an integer ≥ 1 or None")


@dataclass(frozen=True)
class Stats:
    """Figures for one cell; ``not_observed`` counts the column's raters who gave no rating."""

    n: int  # raters behind the cell: one rating each for an item, one or more for a section
    mean: float  # over ratings, not over raters, so a section is fixed by its shown item cells
    sd: float  # population standard deviation, 0 for n == 1
    min: float
    max: float
    not_observed: int


Rater = tuple[str, int]  # (group, position within the group): who gave a rating, never shown


@dataclass(frozen=True)
class _ItemRow:
    """One item's cells, and for each shown cell the ratings behind it, so sections reuse them.

    ``counted`` names the groups whose raters the cell's ``not_observed`` is taken over.
    """

    cells: dict[str, Stats | None]
    pools: dict[str, list[tuple[Rater, int]]]
    counted: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class GroupSummary:
    """Response count per group, and whether its figures may appear under its own name."""

    group: str
    responded: int
    threshold: int
    shown: bool
    anonymous: bool  # False for self and manager: the reader knows who they are


@dataclass(frozen=True)
class SubjectResults:
    """Everything a report may show about one subject; ``None`` cells must not be shown."""

    groups: list[GroupSummary]
    columns: list[str]
    items: dict[str, dict[str, Stats | None]]
    sections: dict[str, dict[str, Stats | None]]
    comments: dict[str, list[str]]  # pooled, unlabelled, sorted; the caller shuffles them
    self_comments: dict[str, list[str]]
    all_others_groups: list[str]  # groups with ratings in a shown "all others" cell (footnote)
    # Who stands behind each shown cell and the comment pool, as (group, position in the input
    # order): never printed, but a new version of a report is checked against them so it
    # cannot be subtracted from an earlier one (service/reports/versions.py).
    item_members: dict[str, dict[str, frozenset[Rater]]] = field(default_factory=dict,
                                                                  compare=False)
    section_members: dict[str, dict[str, frozenset[Rater]]] = field(default_factory=dict,
                                                                     compare=False)
    comment_members: frozenset[Rater] = field(default=frozenset(), compare=False)
    #: Rule 6: section id -> column -> importance cell; empty when the rubric asks none.
    importance: dict[str, dict[str, Stats | None]] = field(default_factory=dict)
    importance_members: dict[str, dict[str, frozenset[Rater]]] = field(default_factory=dict,
                                                                        compare=False)


def compute_results(
    rubric: Mapping,
    raters: Sequence[RaterAnswers],
    thresholds: Thresholds = Thresholds(),  # frozen, so sharing the default is safe
) -> SubjectResults:
    """Aggregate ``raters`` for the report, suppressing anything that could single one out."""
    item_ids, section_items, question_ids = _rubric_ids(rubric)
    groups = thresholds.groups
    by_group: dict[str, list[RaterAnswers]] = {group: [] for group in groups}
    for rater in raters:
        if rater.group not in by_group:
            raise ValueError(f"unknown rater group {rater.group!r}")
        by_group[rater.group].append(rater)

    responded = {group: len(by_group[group]) for group in groups}
    shown = {
        group: responded[group] > 0 and responded[group] >= thresholds.for_group(group)
        for group in groups
    }
    summaries = [
        GroupSummary(
            group=group,
            responded=responded[group],
            threshold=thresholds.for_group(group),
            shown=shown[group],
            anonymous=group not in _NOT_ANONYMOUS,
        )
        for group in groups
    ]

    pooled_groups: set[str] = set()
    item_rows: dict[str, _ItemRow] = {}
    for item_id in item_ids:
        values = {
            group: [
                ((group, position), v)
                for position, r in enumerate(by_group[group])
                if (v := r.answers.get(item_id)) is not None
            ]
            for group in groups
        }
        item_rows[item_id] = _item_row(values, responded, shown, thresholds, pooled_groups)
    items = {item_id: row.cells for item_id, row in item_rows.items()}

    # Rule 5: sections are built from shown item cells only, so they add nothing to subtract.
    sections = {
        section_id: _section_cells([item_rows[i] for i in ids], responded, thresholds.columns)
        for section_id, ids in section_items.items()
    }
    section_members = {section_id: _members([item_rows[i] for i in ids], thresholds.columns)
                       for section_id, ids in section_items.items()}

    # Rule 6: importance, one item-like row per section (its own "all others" folding).
    importance_rows: dict[str, _ItemRow] = {}
    if importance_keys.asked(rubric):
        for section_id in section_items:
            answer_key = importance_keys.key(section_id)
            values = {group: [((group, position), v)
                              for position, r in enumerate(by_group[group])
                              if (v := r.answers.get(answer_key)) is not None]
                      for group in groups}
            importance_rows[section_id] = _item_row(values, responded, shown, thresholds,
                                                    pooled_groups)

    comments, self_comments = _comments(question_ids, by_group, responded, shown, thresholds)
    comment_members = frozenset(
        (group, position)
        for group in groups[1:] if _comments_pooled(group, responded, shown, thresholds)
        for position in range(responded[group]))
    columns = [group for group in groups if shown[group]]
    if any(cells[ALL_OTHERS] is not None for cells in (*items.values(), *sections.values(),
                                                      *(r.cells for r in
                                                        importance_rows.values()))):
        columns.append(ALL_OTHERS)
    return SubjectResults(
        groups=summaries,
        columns=columns,
        items=items,
        sections=sections,
        comments=comments,
        self_comments=self_comments,
        all_others_groups=[group for group in groups[1:] if group in pooled_groups],
        item_members={item_id: _members([row], thresholds.columns)
                      for item_id, row in item_rows.items()},
        section_members=section_members,
        comment_members=comment_members,
        importance={section_id: row.cells for section_id, row in importance_rows.items()},
        importance_members={section_id: _members([row], thresholds.columns)
                            for section_id, row in importance_rows.items()},
    )


def _members(rows: Sequence[_ItemRow], columns: Sequence[str]) -> dict[str, frozenset[Rater]]:
    """The raters behind each shown cell of these rows taken together (one item or a section)."""
    members: dict[str, frozenset[Rater]] = {}
    for column in columns:
        pools = [row.pools[column] for row in rows if row.cells[column] is not None]
        if pools:
            members[column] = frozenset(rater for pool in pools for rater, _ in pool)
    return members


def _rubric_ids(rubric: Mapping) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """Item, section and question ids in rubric order; duplicates would merge two cells."""
    item_ids: list[str] = []
    section_items: dict[str, list[str]] = {}
    for section in rubric.get("sections", []):
        if section["id"] in section_items:
            raise ValueError(f"duplicate section id {section['id']!r} in rubric")
        ids = [item["id"] for item in section.get("items", [])]
        section_items[section["id"]] = ids
        item_ids.extend(ids)
    question_ids = [question["id"] for question in rubric.get("questions", [])]
    for kind, ids in (("item", item_ids), ("question", question_ids)):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate {kind} ids in rubric: {', '.join(duplicates)}")
    return item_ids, section_items, question_ids


def _item_row(
    values: Mapping[str, list[tuple[Rater, int]]],
    responded: Mapping[str, int],
    shown: Mapping[str, bool],
    thresholds: Thresholds,
    pooled_groups: set[str],
) -> _ItemRow:
    """One item's row (rules 1-3); records in ``pooled_groups`` who fed "all others"."""
    cells: dict[str, Stats | None] = {}
    pools: dict[str, list[tuple[Rater, int]]] = {}
    counted: dict[str, tuple[str, ...]] = {}
    visible: list[str] = []
    for group in thresholds.groups:
        entries = values[group]
        if shown[group] and len(entries) >= thresholds.for_group(group):
            cells[group] = _stats([v for _, v in entries], responded[group] - len(entries))
            pools[group], counted[group] = list(entries), (group,)
            if group != "self":
                visible.append(group)
        else:
            cells[group] = None

    # H: non-self ratings that appear in no visible cell. Subtracting the visible columns from
    # "all others" yields exactly H's aggregate, so H goes in whole (as many ratings as the
    # largest k of its groups) or not at all.
    hidden = [group for group in thresholds.non_self_groups
              if group not in visible and values[group]]
    admitted = sum(len(values[g]) for g in hidden) >= thresholds.pool_min(hidden)
    pool = visible + hidden if admitted else visible
    entries = [entry for group in pool for entry in values[group]]
    if len(entries) >= thresholds.for_group(ALL_OTHERS):
        # H holds only raters who rated, so the pool's "not observed" is the visible groups'.
        not_observed = sum(responded[group] - len(values[group]) for group in visible)
        cells[ALL_OTHERS] = _stats([v for _, v in entries], not_observed)
        pools[ALL_OTHERS], counted[ALL_OTHERS] = entries, tuple(visible)
        pooled_groups.update(group for group in pool if values[group])
    else:
        cells[ALL_OTHERS] = None
    return _ItemRow(cells, pools, counted)


def _section_cells(
    rows: Sequence[_ItemRow], responded: Mapping[str, int], columns: Sequence[str]
) -> dict[str, Stats | None]:
    """One section's row (rule 5), built only from the shown item cells of each column.

    The section pools exactly the ratings behind those cells (for "all others" including any
    hidden pool admitted for an item), so its mean, sd, min and max follow from figures already
    on the page and a reader gains nothing by subtracting item cells from it. n counts distinct
    raters in the pool (≥ any shown item cell's n, hence ≥ k); ``not_observed`` counts the raters
    those item cells count (their visible groups) who rated none of the section's shown items.
    """
    cells: dict[str, Stats | None] = {}
    for column in columns:
        shown_rows = [row for row in rows if row.cells[column] is not None]
        if not shown_rows:
            cells[column] = None
            continue
        pool = [entry for row in shown_rows for entry in row.pools[column]]
        contributors = {rater for rater, _ in pool}
        counted = {group for row in shown_rows for group in row.counted[column]}
        silent = sum(responded[group] for group in counted) - sum(
            group in counted for group, _ in contributors
        )
        cells[column] = _stats([v for _, v in pool], silent, raters=len(contributors))
    return cells


def _stats(ratings: Sequence[float], not_observed: int, raters: int | None = None) -> Stats:
    """Exact figures (fmean/pstdev are order-independent, so rater order leaks nothing).

    ``raters`` is n when several ratings may come from one rater (sections); else one each.
    """
    return Stats(
        n=len(ratings) if raters is None else raters,
        mean=statistics.fmean(ratings),
        sd=statistics.pstdev(ratings) if len(ratings) > 1 else 0.0,
        min=float(min(ratings)),
        max=float(max(ratings)),
        not_observed=not_observed,
    )


def _comments(
    question_ids: Sequence[str],
    by_group: Mapping[str, Sequence[RaterAnswers]],
    responded: Mapping[str, int],
    shown: Mapping[str, bool],
    thresholds: Thresholds,
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Pooled non-self comments (rule 4) and self comments, sorted so order reveals no group."""
    comments: dict[str, list[str]] = {qid: [] for qid in question_ids}
    self_comments: dict[str, list[str]] = {qid: [] for qid in question_ids}
    for group in thresholds.groups:
        if group != "self" and not _comments_pooled(group, responded, shown, thresholds):
            continue
        target = self_comments if group == "self" else comments
        for rater in by_group[group]:
            for qid in question_ids:
                text = (rater.comments.get(qid) or "").strip()
                if text:
                    target[qid].append(text)
    for texts in (*comments.values(), *self_comments.values()):
        texts.sort()
    return comments, self_comments


def _comments_pooled(group: str, responded: Mapping[str, int], shown: Mapping[str, bool],
                     thresholds: Thresholds) -> bool:
    """Rule 4 for one non-self group: shown, or hidden among hidden groups with as many raters
    as the largest k among them asks."""
    hidden = [g for g in thresholds.non_self_groups if not shown[g] and responded[g]]
    return shown[group] or sum(responded[g] for g in hidden) >= thresholds.pool_min(hidden)
