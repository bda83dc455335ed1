"""A report changed after release must not let a reader work out a late answer by difference."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.reports.versions import Version, difference_problems
from service.responses.results import GROUPS, RaterAnswers, Thresholds, compute_results

RUBRIC = {"sections": [{"id": "s", "items": [{"id": "a"}, {"id": "b"}]}],
          "questions": [{"id": "q"}]}
K3 = Thresholds(3, 1)


def version(raters: list[tuple[str, RaterAnswers]], thresholds: Thresholds = K3) -> Version:
    """``raters`` are (response id, answers); grouped in the order given, as the caller does."""
    keys: dict[str, list[str]] = {}
    for key, rater in raters:
        keys.setdefault(rater.group, []).append(key)
    return Version(compute_results(RUBRIC, [r for _, r in raters], thresholds), keys)


def rater(group: str, a: int | None = 4, b: int | None = 4, comment: str = "") -> RaterAnswers:
    return RaterAnswers(group, {"a": a, "b": b}, {"q": comment} if comment else {})


RELEASED = [("m", rater("manager", 3)), ("s", rater("self", 5)),
            *[(f"d{i}", rater("direct_report", 3 + i % 2)) for i in range(3)]]


def test_one_late_direct_report_could_be_subtracted():
    later = version([*RELEASED, ("late", rater("direct_report", 1, 1))])
    problems = difference_problems(version(RELEASED), later, K3)
    assert "item a, direct_report: 1 joined, fewer than 3" in problems
    assert any(p.startswith("section s, all_others") for p in problems)


def test_three_late_direct_reports_are_a_group_of_their_own():
    late = [(f"late{i}", rater("direct_report", 2, 5)) for i in range(3)]
    assert difference_problems(version(RELEASED), version([*RELEASED, *late]), K3) == []


def test_an_item_that_only_one_of_them_rated_still_counts():
    late = [("x", rater("direct_report", 2, 5)), ("y", rater("direct_report", None, 5)),
            ("z", rater("direct_report", None, 4))]
    problems = difference_problems(version(RELEASED), version([*RELEASED, *late]), K3)
    assert problems and all(" a, " in p or "section" in p for p in problems)


def test_a_late_rater_who_observed_nothing_still_changes_what_the_column_says():
    # They rate no item, so no cell's ratings change; but each direct-report cell's "1 not
    # observed" (and, had all chosen it, the "Not observed" label) would be theirs alone.
    late = version([*RELEASED, ("late", rater("direct_report", None, None))])
    assert late.results.items["a"]["direct_report"].not_observed == 1
    problems = difference_problems(version(RELEASED), late, K3)
    assert problems == ["direct_report: 1 responded since, fewer than 3"]


def test_a_late_self_assessment_or_manager_is_not_anonymous_anyway():
    without = [r for r in RELEASED if r[0] not in {"s", "m"}]
    assert difference_problems(version(without),
                               version([*without, ("s", rater("self", 5))]), K3) == []
    assert difference_problems(version(without),
                               version([*without, ("m", rater("manager", 2))]), K3) == []


def test_a_late_comment_needs_k_new_raters_around_it():
    late = [("m", rater("manager", 3, 3, comment="One voice, easy to spot"))]
    without = [r for r in RELEASED if r[0] != "m"]
    problems = difference_problems(version(without), version([*without, *late]), K3)
    assert problems == ["comments: new comments from 1 raters, fewer than 3"]


def test_nobody_may_leave_a_cell():
    # Two peers and one other are hidden, and pooled together into all others (3 = k).
    hidden = [("p1", rater("peer", 1)), ("p2", rater("peer", 1)), ("o1", rater("other", 5))]
    before = version([*RELEASED, *hidden])
    # A third peer makes the peers a shown group; the lone "other" falls out of the pool.
    after = version([*RELEASED, *hidden, ("p3", rater("peer", 2))])
    problems = difference_problems(before, after, K3)
    assert "item a, all_others: a rater would leave the cell" in problems


answers = st.one_of(st.none(), st.integers(1, 5))
CUSTOM = ("custom_patients", "custom_partners")
raters_strategy = st.lists(
    st.tuples(st.sampled_from((*GROUPS, *CUSTOM)), answers, answers, st.booleans()),
    max_size=9)
own_k = st.one_of(st.none(), st.integers(2, 4))


@settings(max_examples=300, deadline=None)
@given(raters_strategy, raters_strategy, st.integers(2, 4), st.integers(1, 2), own_k, own_k,
       own_k, st.tuples(st.integers(2, 4), st.integers(2, 4)))
def test_an_accepted_version_differs_by_none_or_by_at_least_k(released, late, k, manager_min,
                                                              peer_min, direct_report_min,
                                                              other_min, custom_k):
    """Against the figures a reader actually sees (n per cell), whatever the members say; with
    a k per group and groups of the cycle's own."""
    thresholds = Thresholds(k, manager_min, peer_min, direct_report_min, other_min,
                            tuple(zip(CUSTOM, custom_k, strict=True)))

    def build(rows: list, start: int) -> list[tuple[str, RaterAnswers]]:
        return [(f"r{start + i}", rater(group, a, b, f"c{start + i}" if says else ""))
                for i, (group, a, b, says) in enumerate(rows)]

    before_rows = build(released, 0)
    before = version(before_rows, thresholds)
    after = version([*before_rows, *build(late, 100)], thresholds)
    if difference_problems(before, after, thresholds):
        return  # held back: the reader keeps the version they had
    old, new = before.results, after.results
    for cells_old, cells_new in ((old.items, new.items), (old.sections, new.sections)):
        for cell_id, columns in cells_new.items():
            for column in thresholds.non_self_groups[1:]:  # the anonymous groups
                was, now = cells_old[cell_id][column], columns[column]
                if was is not None and now is not None:
                    needed = thresholds.for_group(column)
                    assert now.n - was.n == 0 or now.n - was.n >= needed, (cell_id, column)
                    # Those who joined the column (rated or "not observed"): none or its k.
                    joined = (now.n + now.not_observed) - (was.n + was.not_observed)
                    assert joined == 0 or joined >= needed, (cell_id, column, "respondents")
    texts_before = sorted(t for ts in old.comments.values() for t in ts)
    texts_after = sorted(t for ts in new.comments.values() for t in ts)
    if [t for t in texts_after if t not in texts_before]:
        # Whoever joined the comment pool could have written a new comment: at least k people.
        assert pooled_raters(new, thresholds) - pooled_raters(old, thresholds) >= k


def pooled_raters(results, thresholds: Thresholds) -> int:
    """Raters whose comments a version shows (rule 4), from the group counts on the page."""
    non_self = [g for g in results.groups if g.group != "self"]
    hidden = [g for g in non_self if not g.shown and g.responded]
    enough = sum(g.responded for g in hidden) >= thresholds.pool_min([g.group for g in hidden])
    return sum(g.responded for g in non_self if g.shown or enough)


def test_late_raters_of_a_group_with_a_larger_k_are_held_until_it_is_reached():
    """Others need 5 here: 3 late others would be a pool of 3 in "all others" and the cells."""
    thresholds = Thresholds(3, 1, other_min=5)
    released = [*RELEASED, *[(f"o{i}", rater("other", 4)) for i in range(5)]]
    late = [(f"late{i}", rater("other", 1, 1)) for i in range(3)]
    problems = difference_problems(version(released, thresholds),
                                   version([*released, *late], thresholds), thresholds)
    assert "item a, other: 3 joined, fewer than 5" in problems
    assert "item a, all_others: 3 joined, fewer than 5" in problems
