"""Importance (rubric `importance`) and the priorities the report names.

Importance cells follow the item rules (service/responses/results.py, rule 6); priorities are
sections that all others rate at or above the median of their shown importance means and that
score below the mean of all others' shown section means (docs/decisions.md)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from service.reports import analysis
from service.reports.versions import Version, difference_problems
from service.responses.results import ALL_OTHERS, RaterAnswers, Thresholds, compute_results
from service.rubrics import importance

SECTIONS = ("a", "b", "c", "d")
RUBRIC = {"sections": [{"id": s, "items": [{"id": f"{s}1"}, {"id": f"{s}2"}]}
                       for s in SECTIONS],
          "importance": {"labels": [{"value": v} for v in range(1, 6)]}}


def rater(group: str, scores: dict[str, int], weights: dict[str, int | None]) -> RaterAnswers:
    answers: dict[str, int | None] = {f"{s}{i}": scores[s] for s in scores for i in (1, 2)}
    answers.update({importance.key(s): w for s, w in weights.items() if w is not None})
    return RaterAnswers(group, answers, {})


def peers(scores: dict[str, int], weights: dict[str, int | None], count: int = 3
          ) -> list[RaterAnswers]:
    return [rater("peer", scores, weights) for _ in range(count)]


def test_priorities_are_important_to_others_and_below_the_leaders_average():
    # scores a 2, b 4, c 3, d 5 (average 3.5); importance a 5, b 5, c 4, d 1 (median 4.5)
    raters = peers({"a": 2, "b": 4, "c": 3, "d": 5}, {"a": 5, "b": 5, "c": 4, "d": 1})
    chosen = analysis.priorities(RUBRIC, compute_results(RUBRIC, raters))
    assert (chosen.average, chosen.importance_cut) == (3.5, 4.5)
    # b is important but scores above average; c scores below but is less important
    assert [p.section_id for p in chosen.sections] == ["a"]


def test_most_important_first_then_lowest_score_then_rubric_order():
    raters = peers({"a": 3, "b": 2, "c": 3, "d": 5}, {"a": 4, "b": 4, "c": 5, "d": 4})
    chosen = analysis.priorities(RUBRIC, compute_results(RUBRIC, raters))
    assert chosen.importance_cut == 4.0 and chosen.average == 3.2
    assert [p.section_id for p in chosen.sections] == ["c", "b", "a"]


def test_no_importance_asked_or_none_shown_means_no_priorities():
    plain = {"sections": RUBRIC["sections"]}
    raters = peers({"a": 2, "b": 4, "c": 3, "d": 5}, {"a": 5})
    assert analysis.priorities(plain, compute_results(plain, raters)).sections == []
    results = compute_results(RUBRIC, peers({"a": 2, "b": 4, "c": 3, "d": 5}, {}))
    assert results.importance["a"][ALL_OTHERS] is None
    assert analysis.priorities(RUBRIC, results) == analysis.Priorities([], None, None)


def test_a_cell_needs_as_many_who_answered_importance_as_the_group_k():
    # three peers responded, only two said how important "a" is: hidden at k = 3
    raters = [*peers({"a": 3, "b": 3, "c": 3, "d": 3}, {"a": 5}, 2),
              rater("peer", {"a": 3, "b": 3, "c": 3, "d": 3}, {}),
              rater("self", {"a": 3, "b": 3, "c": 3, "d": 3}, {"a": 2})]
    results = compute_results(RUBRIC, raters)
    assert results.importance["a"]["peer"] is None and results.importance["a"][ALL_OTHERS] is None
    assert results.importance["a"]["self"].mean == 2  # self: always shown when given
    assert results.items["a1"]["peer"].n == 3  # the ratings are untouched by it
    # a third answers it: shown, and the one who did not is counted as not answered
    raters.append(rater("peer", {"a": 3, "b": 3, "c": 3, "d": 3}, {"a": 1}))
    cell = compute_results(RUBRIC, raters).importance["a"]["peer"]
    assert (cell.n, cell.not_observed, cell.mean) == (3, 1, 11 / 3)


def test_importance_answers_change_no_score():
    scores = {"a": 2, "b": 4, "c": 3, "d": 5}
    without = compute_results(RUBRIC, peers(scores, {}))
    with_it = compute_results(RUBRIC, peers(scores, {"a": 5, "b": 1, "c": 2, "d": 3}))
    assert (without.items, without.sections) == (with_it.items, with_it.sections)


def test_a_late_rater_cannot_be_read_from_an_importance_cell():
    """A new version adding one peer's importance to a shown cell is refused (versions.py)."""
    limits = Thresholds(min_group_size=3)
    scores = {"a": 3, "b": 3, "c": 3, "d": 3}
    first = [*peers(scores, {"a": 4}, 3), rater("peer", scores, {})]
    late = [*peers(scores, {"a": 4}, 3), rater("peer", scores, {"a": 1})]

    def version(raters):
        keys = {"peer": [f"p{i}" for i in range(len(raters))]}
        return Version(compute_results(RUBRIC, raters, limits), keys)

    # the same four raters, one of whom now gave importance: same respondents, one joiner
    problems = difference_problems(version(first), version(late), limits)
    assert any(problem.startswith("importance a, peer") for problem in problems)


@st.composite
def hidden_pairs(draw: st.DrawFn):
    """A subject with shown groups and a hidden group (below its k, and the hidden together
    below the organisation's k), and the same where the hidden raters answered differently."""
    limits = Thresholds(min_group_size=draw(st.integers(3, 5)), manager_min=1)
    weight = st.one_of(st.none(), st.integers(1, 5))

    def drawn(group: str) -> RaterAnswers:
        # Shown raters mostly answer importance (so their cells are shown); hidden ones may not.
        given = weight if group == "peer" or draw(st.integers(0, 9)) == 0 else st.integers(1, 5)
        return rater(group, {s: draw(st.integers(1, 5)) for s in SECTIONS},
                     {s: draw(given) for s in SECTIONS})

    shown = [drawn("self"), drawn("manager"),
             *(drawn("direct_report") for _ in range(draw(st.integers(limits.min_group_size,
                                                                         limits.min_group_size
                                                                         + 3))))]
    hidden = draw(st.integers(1, limits.min_group_size - 1))
    before = shown + [drawn("peer") for _ in range(hidden)]
    after = shown + [drawn("peer") for _ in range(hidden)]
    return limits, before, after


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hidden_pairs())
def test_a_hidden_group_never_changes_a_shown_importance_figure_or_the_priorities(pair):
    limits, before, after = pair
    first = compute_results(RUBRIC, before, limits)
    second = compute_results(RUBRIC, after, limits)
    assert "peer" not in first.columns
    assert all(row["peer"] is None for row in first.importance.values())
    if any(group == "peer" for results in (first, second)
           for members in results.importance_members.values()
           for group, _ in members.get(ALL_OTHERS, ())):
        # Direct reports who left importance unanswered hid their own cell, and the hidden
        # remainder then reached its k: the folding rule's pool (tests/responses/test_results.py)
        event("a hidden pool reached its k")
        return
    assert first.importance == second.importance
    assert analysis.priorities(RUBRIC, first) == analysis.priorities(RUBRIC, second)
    event(f"{len(analysis.priorities(RUBRIC, first).sections)} priorities")
    # and shown cells meet their k
    for row in first.importance.values():
        for column, cell in row.items():
            if cell is not None:
                assert cell.n >= limits.for_group(column)


def test_priorities_read_only_shown_cells():
    results = compute_results(RUBRIC, peers({"a": 2, "b": 4, "c": 3, "d": 5},
                                            {"a": 5, "b": 5, "c": 4, "d": 1}))
    hidden_a = replace(results, importance={**results.importance,
                                            "a": dict.fromkeys(results.importance["a"])})
    assert "a" not in [p.section_id for p in analysis.priorities(RUBRIC, hidden_a).sections]
