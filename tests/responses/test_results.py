"""Report figures must never let a reader single out a rater; these tests try to.

Example tests pin hand-computed numbers; property tests attack random subjects the way a curious
reader would: by looking for hidden groups and by subtracting visible columns from "all others".
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from service.responses.results import (
    ALL_OTHERS,
    COLUMNS,
    GroupSummary,
    RaterAnswers,
    Stats,
    SubjectResults,
    Thresholds,
    compute_results,
)
from service.rubrics import importance

RUBRIC = {
    "id": "demo",  # extra keys are ignored
    "sections": [
        {"id": "attending", "items": [{"id": "a1"}, {"id": "a2"}]},
        {"id": "helping", "items": [{"id": "h1"}]},
    ],
    "questions": [{"id": "strengths"}, {"id": "develop"}],
}


def rater(group: str, comments: Mapping[str, str] | None = None, **answers: int | None):
    return RaterAnswers(group=group, answers=answers, comments=comments or {})


def stats(n, mean, sd, lo, hi, not_observed=0) -> Stats:
    return Stats(n=n, mean=mean, sd=sd, min=lo, max=hi, not_observed=not_observed)


def assert_stats(actual: Stats | None, expected: Stats) -> None:
    assert actual is not None
    assert (actual.n, actual.not_observed) == (expected.n, expected.not_observed)
    for name in ("mean", "sd", "min", "max"):
        assert math.isclose(getattr(actual, name), getattr(expected, name)), name


def summary(results: SubjectResults, group: str) -> GroupSummary:
    return next(g for g in results.groups if g.group == group)


def rows(results: SubjectResults) -> Iterator[tuple[str, str, dict[str, Stats | None]]]:
    """Every row of cells: items, sections and (rule 6) each section's importance, keyed as
    its answers are (importance.key), so the oracles below read its ratings as an item's."""
    for kind, table in (("item", results.items), ("section", results.sections)):
        for cell_id, row in table.items():
            yield kind, cell_id, row
    for section_id, row in results.importance.items():
        yield "importance", importance.key(section_id), row


def item_like_rows(results: SubjectResults) -> dict[str, dict[str, Stats | None]]:
    """Items and importance rows: the cells built by rules 1-3 (answers key -> row)."""
    return {cell_id: row for kind, cell_id, row in rows(results) if kind != "section"}


# --- examples with hand-computed numbers -------------------------------------------------------


def small_case() -> list[RaterAnswers]:
    return [
        rater("self", {"strengths": "I listen"}, a1=4, a2=2, h1=None),
        rater("manager", {"strengths": "Clear", "develop": " "}, a1=5, h1=3),  # a2 omitted
        rater("direct_report", {"strengths": "Kind"}, a1=2, a2=1, h1=4),
        rater("direct_report", {"strengths": "  "}, a1=4, a2=5, h1=4),
        rater("direct_report", {"strengths": "Fair", "develop": "Delegate"}, a1=3, a2=3, h1=4),
    ]


def test_small_case_hand_computed() -> None:
    results = compute_results(RUBRIC, small_case())

    assert results.columns == ["self", "manager", "direct_report", ALL_OTHERS]
    assert [(g.group, g.responded, g.threshold, g.shown, g.anonymous) for g in results.groups] == [
        ("self", 1, 1, True, False),
        ("manager", 1, 1, True, False),
        ("peer", 0, 3, False, True),
        ("direct_report", 3, 3, True, True),
        ("other", 0, 3, False, True),
    ]
    a1, a2, h1 = results.items["a1"], results.items["a2"], results.items["h1"]
    assert set(a1) == set(COLUMNS)
    assert_stats(a1["self"], stats(1, 4, 0, 4, 4))
    assert_stats(a1["manager"], stats(1, 5, 0, 5, 5))
    assert_stats(a1["direct_report"], stats(3, 3, math.sqrt(2 / 3), 2, 4))
    assert_stats(a1[ALL_OTHERS], stats(4, 3.5, math.sqrt(1.25), 2, 5))  # 5, 2, 4, 3
    assert a1["peer"] is None and a1["other"] is None

    assert a2["manager"] is None  # the manager did not rate a2
    assert_stats(a2["direct_report"], stats(3, 3, math.sqrt(8 / 3), 1, 5))
    assert_stats(a2[ALL_OTHERS], stats(3, 3, math.sqrt(8 / 3), 1, 5))

    assert h1["self"] is None  # self answered "not observed"
    assert_stats(h1["direct_report"], stats(3, 4, 0, 4, 4))
    assert_stats(h1[ALL_OTHERS], stats(4, 3.75, math.sqrt(0.1875), 3, 4))

    # Section = the pooled ratings of the column's shown item cells; n = distinct raters.
    attending = results.sections["attending"]
    assert_stats(attending["self"], stats(1, 3, 1, 2, 4))  # 4, 2 from one rater
    assert_stats(attending["manager"], stats(1, 5, 0, 5, 5))  # a2 cell is not shown
    # 2, 4, 3 | 1, 5, 3: mean 18/6, squares 1+1+0+4+4+0 = 10 over 6
    assert_stats(attending["direct_report"], stats(3, 3, math.sqrt(10 / 6), 1, 5))
    # 5, 2, 4, 3 | 1, 5, 3: mean 23/7, variance 89/7 − (23/7)² = 94/49; manager + 3 DRs
    assert_stats(attending[ALL_OTHERS], stats(4, 23 / 7, math.sqrt(94) / 7, 1, 5))
    assert attending["peer"] is None and attending["other"] is None
    assert results.sections["helping"]["self"] is None
    assert results.sections["helping"] == h1  # one item: the section is that item's row

    assert results.comments == {"strengths": ["Clear", "Fair", "Kind"], "develop": ["Delegate"]}
    assert results.self_comments == {"strengths": ["I listen"], "develop": []}
    assert results.all_others_groups == ["manager", "direct_report"]


def test_not_observed_counts() -> None:
    raters = [*small_case(), rater("direct_report", a1=1), rater("direct_report", a1=1, h1=None)]
    results = compute_results(RUBRIC, raters)
    assert_stats(results.items["a2"]["direct_report"], stats(3, 3, math.sqrt(8 / 3), 1, 5, 2))
    # the manager's cell is not visible, so its "not observed" is not in the pool either
    assert results.items["a2"][ALL_OTHERS].not_observed == 2
    assert results.items["h1"]["direct_report"].not_observed == 2
    assert results.items["h1"][ALL_OTHERS].not_observed == 2


def test_peer_group_of_two_is_hidden_everywhere_including_comments() -> None:
    peers = [
        rater("peer", {"strengths": "PEER-SECRET-1"}, a1=1, a2=1, h1=1),
        rater("peer", {"develop": "PEER-SECRET-2"}, a1=1, a2=1, h1=1),
    ]
    with_peers = compute_results(RUBRIC, small_case() + peers)
    without = compute_results(RUBRIC, small_case())

    assert summary(with_peers, "peer") == GroupSummary("peer", 2, 3, False, True)
    assert "peer" not in with_peers.columns and "peer" not in with_peers.all_others_groups
    for _, _, row in rows(with_peers):
        assert row["peer"] is None
    flat = [text for texts in with_peers.comments.values() for text in texts]
    assert not any("PEER" in text for text in flat)
    # Two ratings cannot be pooled into "all others" either: everything but the count is as if
    # the peers had not answered.
    assert replace(with_peers, groups=without.groups) == without


def test_manager_of_one_is_shown_and_not_anonymous() -> None:
    results = compute_results(RUBRIC, [rater("manager", {"strengths": "Boss"}, a1=2)])
    assert summary(results, "manager") == GroupSummary("manager", 1, 1, True, False)
    assert results.columns == ["manager"]  # all_others needs k raters
    assert_stats(results.items["a1"]["manager"], stats(1, 2, 0, 2, 2, 0))
    assert results.items["a1"][ALL_OTHERS] is None
    assert results.comments["strengths"] == ["Boss"]


def test_manager_min_two_hides_a_single_manager() -> None:
    raters = [rater("manager", {"strengths": "Boss"}, a1=2)]
    results = compute_results(RUBRIC, raters, Thresholds(manager_min=2))
    assert not summary(results, "manager").shown
    assert results.columns == [] and results.items["a1"]["manager"] is None
    assert results.comments["strengths"] == []


def test_self_is_always_shown() -> None:
    raters = [rater("self", {"develop": "Say no more"}, a1=3, h1=5)]
    results = compute_results(RUBRIC, raters, Thresholds(min_group_size=5, manager_min=2))
    assert summary(results, "self") == GroupSummary("self", 1, 1, True, False)
    assert results.columns == ["self"]
    assert_stats(results.items["a1"]["self"], stats(1, 3, 0, 3, 3))
    assert results.items["a2"]["self"] is None
    assert_stats(results.sections["attending"]["self"], stats(1, 3, 0, 3, 3))
    assert results.self_comments["develop"] == ["Say no more"]
    assert results.comments["develop"] == []


def test_cell_is_suppressed_when_not_observed_shrinks_it_below_k() -> None:
    raters = [
        rater("direct_report", a1=4, a2=1),
        rater("direct_report", a1=5, a2=None),
        rater("direct_report", a1=3, a2=5),
    ]
    results = compute_results(RUBRIC, raters)
    assert summary(results, "direct_report").shown
    assert_stats(results.items["a1"]["direct_report"], stats(3, 4, math.sqrt(2 / 3), 3, 5))
    assert results.items["a2"]["direct_report"] is None  # n = 2 < 3
    assert results.items["a2"][ALL_OTHERS] is None  # and not smuggled in via all_others
    assert results.items["h1"]["direct_report"] is None  # n = 0
    # the section shows only what a1 shows: the hidden a2 ratings (1, 5) stay out of it
    assert results.sections["attending"] == results.items["a1"]
    assert results.sections["helping"]["direct_report"] is None


def test_subtraction_cannot_reveal_a_small_hidden_group() -> None:
    raters = [
        rater("manager", a1=5),
        *(rater("direct_report", a1=v) for v in (1, 2, 3, 4)),
        rater("peer", a1=1),
        rater("peer", a1=1),
    ]
    row = compute_results(RUBRIC, raters).items["a1"]
    assert row["peer"] is None
    # all_others is exactly manager + DR: all_others − manager − DR leaves nothing to learn
    assert_stats(row[ALL_OTHERS], stats(5, 3, math.sqrt(2), 1, 5))
    assert row[ALL_OTHERS].n == row["manager"].n + row["direct_report"].n
    assert compute_results(RUBRIC, raters).all_others_groups == ["manager", "direct_report"]


def test_two_hidden_groups_reaching_k_together_are_pooled() -> None:
    raters = [
        *(rater("direct_report", {"strengths": f"dr{v}"}, a1=v) for v in (3, 3, 3)),
        rater("peer", {"strengths": "p1"}, a1=1),
        rater("peer", {"strengths": "p2"}, a1=3),
        rater("other", {"strengths": "o1"}, a1=5),
        rater("other", a2=4),  # responded, but rated only a2
    ]
    results = compute_results(RUBRIC, raters)
    row = results.items["a1"]
    assert row["peer"] is None and row["other"] is None
    assert results.columns == ["direct_report", ALL_OTHERS]
    assert_stats(row[ALL_OTHERS], stats(6, 3, math.sqrt(4 / 3), 1, 5))
    # by difference the reader learns only the pool of 3 hidden ratings: 1 + 3 + 5
    assert row[ALL_OTHERS].n - row["direct_report"].n == 3
    assert results.items["a2"][ALL_OTHERS] is None  # a lone a2 rating is not pooled
    assert results.all_others_groups == ["peer", "direct_report", "other"]
    # 4 hidden raters responded ≥ k, so their comments join the unlabelled pool
    assert results.comments["strengths"] == ["dr3", "dr3", "dr3", "o1", "p1", "p2"]


def test_a_hidden_pool_must_meet_the_largest_k_of_its_groups() -> None:
    """Peers need 2 here, others 5: two hidden peers' and two hidden others' ratings make 4,
    enough for the organisation's k of 3 but not for the others' 5, so they stay out of "all
    others" and of the comments; a custom group of 2 with its own k of 2 is shown."""
    limits = Thresholds(3, 1, peer_min=3, other_min=5, custom=(("custom_patients", 2),))
    raters = [
        *(rater("direct_report", {"strengths": "dr"}, a1=3) for _ in range(3)),
        rater("peer", {"strengths": "p"}, a1=1), rater("peer", a1=1),
        rater("other", {"strengths": "o"}, a1=5), rater("other", a1=5),
        rater("custom_patients", {"strengths": "c"}, a1=4),
        rater("custom_patients", a1=2),
    ]
    results = compute_results(RUBRIC, raters, limits)
    row = results.items["a1"]
    assert results.columns == ["direct_report", "custom_patients", ALL_OTHERS]
    assert row["peer"] is None and row["other"] is None
    assert row[ALL_OTHERS].n == 5  # direct reports and patients only
    assert results.comments["strengths"] == ["c", "dr", "dr", "dr"]
    # With others at the organisation's k, the same four hidden raters are pooled.
    pooled = compute_results(RUBRIC, raters, replace(limits, other_min=None))
    assert pooled.items["a1"][ALL_OTHERS].n == 9
    assert pooled.comments["strengths"] == ["c", "dr", "dr", "dr", "o", "p"]
    with pytest.raises(ValueError, match="unknown rater group"):
        compute_results(RUBRIC, [rater("custom_partners", a1=1)], limits)
    with pytest.raises(ValueError, match="custom_"):
        Thresholds(custom=(("patients", 3),))


def test_hidden_comments_below_k_are_dropped() -> None:
    raters = [
        *(rater("direct_report", {"strengths": "dr"}) for _ in range(3)),
        rater("peer", {"strengths": "p"}),
        rater("other", {"strengths": "o"}),
        rater("self", {"strengths": "s"}),
    ]
    results = compute_results(RUBRIC, raters)
    assert results.comments["strengths"] == ["dr", "dr", "dr"]
    assert results.self_comments["strengths"] == ["s"]


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown rater group"):
        rater("boss")
    with pytest.raises(ValueError, match="integer"):
        rater("peer", a1=0)
    with pytest.raises(ValueError, match="min_group_size"):
        Thresholds(min_group_size=0)
    with pytest.raises(ValueError, match="duplicate item"):
        compute_results({"sections": [{"id": "s", "items": [{"id": "x"}, {"id": "x"}]}]}, [])


def test_section_means_do_not_reveal_a_rater_by_difference() -> None:
    # DR d4 rated a1 only. With per-rater section means, section sum = (ΣA)/2 + (ΣB)/2 + a4/2,
    # so a4 = 2·ΣS − ΣA − ΣB: the reader would learn d4's answer exactly.
    def dr_results(d1_a1: int, d4_a1: int) -> SubjectResults:
        raters = [
            rater("direct_report", a1=d1_a1, a2=2),
            rater("direct_report", a1=3, a2=3),
            rater("direct_report", a1=4, a2=4),
            rater("direct_report", a1=d4_a1),
        ]
        return compute_results(RUBRIC, raters)

    for a4 in (1, 5):
        results = dr_results(5 if a4 == 1 else 1, a4)
        a, b = results.items["a1"]["direct_report"], results.items["a2"]["direct_report"]
        s = results.sections["attending"]["direct_report"]
        assert not math.isclose(2 * s.mean * s.n - a.mean * a.n - b.mean * b.n, a4)
        # the section's total is exactly the shown item cells' total: no new equation
        assert math.isclose(s.mean * (a.n + b.n), a.mean * a.n + b.mean * b.n)
    # d1 (who also rated a2) and d4 (who did not) swap their a1 answers 5 and 1. The item cells
    # cannot tell the two apart, so the section must not either, or it says who gave the 1.
    swapped, original = dr_results(1, 5), dr_results(5, 1)
    assert swapped.items == original.items
    assert swapped.sections == original.sections


# --- property tests -----------------------------------------------------------------------------

OMIT = "omit"


@dataclass(frozen=True)
class Scenario:
    rubric: dict
    thresholds: Thresholds
    raters: list[RaterAnswers]

    @property
    def k(self) -> int:
        """The organisation's k: no hidden pool below it is ever admitted."""
        return self.thresholds.min_group_size

    def pool_k(self, groups: Sequence[str]) -> int:
        """What a pool of these groups must hold: the largest k among them (at least k)."""
        return self.thresholds.pool_min(groups)


@st.composite
def rubrics(draw: st.DrawFn) -> dict:
    sections = [
        {"id": f"s{s}", "items": [{"id": f"s{s}-i{i}"} for i in range(draw(st.integers(1, 4)))]}
        for s in range(draw(st.integers(1, 3)))
    ]
    rubric = {"sections": sections, "questions": [{"id": "q0"}, {"id": "q1"}]}
    if draw(st.booleans()):  # rule 6: importance, asked or not
        rubric["importance"] = {"labels": [{"value": v} for v in range(1, 6)]}
    return rubric


@st.composite
def rater_answers(draw: st.DrawFn, rubric: dict, group: str, tag: str) -> RaterAnswers:
    """Answers 1..5, None or omitted; comments tagged with group so the test can trace them."""
    answers = {}
    for section in rubric["sections"]:
        for item in section["items"]:
            value = draw(st.sampled_from([OMIT, None, 1, 2, 3, 4, 5]))
            if value != OMIT:
                answers[item["id"]] = value
        if rubric.get("importance"):  # optional: often left unanswered
            weight = draw(st.sampled_from([OMIT, OMIT, 1, 2, 3, 4, 5]))
            if weight != OMIT:
                answers[importance.key(section["id"])] = weight
    comments = {}
    for question in rubric["questions"]:
        kind = draw(st.sampled_from(["missing", "", "  ", "text", "text"]))
        if kind == "text":
            comments[question["id"]] = f"{group}|{tag}|{question['id']}"
        elif kind != "missing":
            comments[question["id"]] = kind
    return RaterAnswers(group=group, answers=answers, comments=comments)


@st.composite
def scenarios(draw: st.DrawFn, small_hidden: bool = False) -> Scenario:
    """0-8 raters per group; ``small_hidden`` keeps the not-shown groups' total below k."""
    rubric = draw(rubrics())
    own_k = st.one_of(st.none(), st.integers(2, 5))
    custom = tuple((f"custom_g{i}", draw(st.integers(2, 5)))
                   for i in range(draw(st.integers(0, 2))))
    thresholds = Thresholds(
        min_group_size=draw(st.integers(2, 5)), manager_min=draw(st.integers(1, 2)),
        peer_min=draw(own_k), direct_report_min=draw(own_k), other_min=draw(own_k),
        custom=custom,
    )
    raters = []
    hidden_total = 0
    for group in thresholds.groups:
        count = draw(st.integers(0, 8))
        threshold = thresholds.for_group(group)
        room = min(threshold - 1, thresholds.min_group_size - 1 - hidden_total)
        if small_hidden and group != "self":
            if room >= 1 and draw(st.integers(0, 2)) > 0:  # mostly hidden
                count = draw(st.integers(1, room))
                hidden_total += count
            elif count < threshold:
                count = 0
        raters += [draw(rater_answers(rubric, group, f"{group}{i}")) for i in range(count)]
    return Scenario(rubric, thresholds, draw(st.permutations(raters)))


def group_shown(scenario: Scenario, group: str) -> bool:
    count = sum(r.group == group for r in scenario.raters)
    return count > 0 and count >= scenario.thresholds.for_group(group)


def cell_ratings(scenario: Scenario, item_id: str) -> dict[str, list[float]]:
    """Independent oracle: each group's ratings for one item."""
    ratings: dict[str, list[float]] = {group: [] for group in scenario.thresholds.groups}
    for r in scenario.raters:
        if (value := r.answers.get(item_id)) is not None:
            ratings[r.group].append(value)
    return ratings


def hidden_pool(scenario: Scenario, item_id: str) -> list[float]:
    """H of rule 3: non-self ratings of one item that are in no visible group cell."""
    return [value for group in hidden_pool_groups(scenario, item_id)
            for value in cell_ratings(scenario, item_id)[group]]


def hidden_pool_groups(scenario: Scenario, item_id: str) -> list[str]:
    """The groups with ratings in H: each asks H to be as large as its own k."""
    ratings = cell_ratings(scenario, item_id)
    return [group for group in scenario.thresholds.non_self_groups
            if ratings[group] and not (group_shown(scenario, group) and
                                       len(ratings[group]) >= scenario.thresholds.for_group(group))]


def hidden_responded(scenario: Scenario) -> int:
    return sum(r.group != "self" and not group_shown(scenario, r.group) for r in scenario.raters)


def hidden_groups(scenario: Scenario) -> set[str]:
    """Non-self groups that responded but are not shown."""
    return {r.group for r in scenario.raters
            if r.group != "self" and not group_shown(scenario, r.group)}


def sum_and_squares(cells: Sequence[Stats]) -> tuple[float, float]:
    total = sum(c.mean * c.n for c in cells)
    squares = sum(c.n * (c.sd**2 + c.mean**2) for c in cells)
    return total, squares


PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(scenarios())
def test_hidden_groups_show_nothing_under_their_name(scenario: Scenario) -> None:
    """(a) A group below its threshold has no cell, no column and no comment of its own."""
    results = compute_results(scenario.rubric, scenario.raters, scenario.thresholds)
    pool_hidden = hidden_responded(scenario) >= scenario.pool_k(sorted(hidden_groups(scenario)))
    for g in results.groups:
        assert g.shown == group_shown(scenario, g.group)
        if g.shown:
            continue
        assert g.group not in results.columns
        for _, _, row in rows(results):
            assert row[g.group] is None
        if g.group in results.all_others_groups:  # only ever inside a hidden pool of ≥ k
            assert any(len(hidden_pool(scenario, item_id)) >= scenario.pool_k(
                hidden_pool_groups(scenario, item_id)) for item_id in item_like_rows(results))
    for qid, texts in results.comments.items():
        expected = sorted(
            text
            for r in scenario.raters
            if r.group != "self" and (group_shown(scenario, r.group) or pool_hidden)
            if (text := r.comments.get(qid, "").strip())
        )
        assert texts == expected
    for qid, texts in results.self_comments.items():
        own = [r.comments.get(qid, "").strip() for r in scenario.raters if r.group == "self"]
        assert texts == sorted(text for text in own if text)


@PROPERTY_SETTINGS
@given(scenarios())
def test_subtraction_yields_nothing_or_a_whole_pool_of_k(scenario: Scenario) -> None:
    """(b) all_others − Σ visible columns is empty or exactly H, and H has ≥ k ratings.

    Items only: a section is a function of its shown item cells (test below), so it adds nothing.
    """
    results = compute_results(scenario.rubric, scenario.raters, scenario.thresholds)
    for item_id, row in item_like_rows(results).items():
        everyone = row[ALL_OTHERS]
        if everyone is None:
            continue
        visible = [row[g] for g in scenario.thresholds.non_self_groups if row[g] is not None]
        diff_n = everyone.n - sum(c.n for c in visible)
        all_total, all_squares = sum_and_squares([everyone])
        vis_total, vis_squares = sum_and_squares(visible)
        pool = hidden_pool(scenario, item_id)
        if diff_n == 0:
            expected_total, expected_squares = 0.0, 0.0
            event("all_others = visible groups only")
            # min/max must not betray an excluded rating either
            assert everyone.min == min(c.min for c in visible)
            assert everyone.max == max(c.max for c in visible)
        else:
            assert diff_n >= scenario.pool_k(hidden_pool_groups(scenario, item_id))
            assert diff_n == len(pool)
            expected_total, expected_squares = sum(pool), sum(v * v for v in pool)
            event("all_others includes the hidden pool")
        assert math.isclose(all_total - vis_total, expected_total, abs_tol=1e-6)
        assert math.isclose(all_squares - vis_squares, expected_squares, abs_tol=1e-6)
        vis_not_observed = sum(c.not_observed for c in visible)
        assert everyone.not_observed == vis_not_observed


@st.composite
def hidden_changes(draw: st.DrawFn) -> tuple[Scenario, Scenario]:
    """A scenario and a copy where every rater of a not-shown group answered differently."""
    scenario = draw(scenarios(small_hidden=True))
    changed = [
        draw(rater_answers(scenario.rubric, r.group, f"changed{i}"))
        if r.group != "self" and not group_shown(scenario, r.group)
        else r
        for i, r in enumerate(scenario.raters)
    ]
    return scenario, replace(scenario, raters=changed)


@PROPERTY_SETTINGS
@given(hidden_changes())
def test_hidden_raters_below_k_cannot_change_anything(pair: tuple[Scenario, Scenario]) -> None:
    """(c) If the hidden pools stay below k, hidden raters' answers leave no trace at all."""
    before, after = pair
    first = compute_results(before.rubric, before.raters, before.thresholds)
    second = compute_results(after.rubric, after.raters, after.thresholds)
    if hidden_responded(before) == 0:
        event("no hidden raters")
        assert first == second
        return
    small = hidden_responded(before) < before.k and all(
        len(hidden_pool(s, item_id)) < s.k for s in (before, after)
        for item_id in item_like_rows(first)
    )
    if small:
        event("hidden pools < k: checked")
        assert first == second
    else:
        event("a hidden pool reaches k: may differ")


@PROPERTY_SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_every_shown_cell_meets_its_threshold(scenario: Scenario, rnd) -> None:
    """(d) Every shown Stats has n ≥ its column's k; and rater order changes nothing."""
    results = compute_results(scenario.rubric, scenario.raters, scenario.thresholds)
    for _, _, row in rows(results):
        assert set(row) == set(scenario.thresholds.columns)
        for column, cell in row.items():
            if cell is None:
                continue
            assert cell.n >= scenario.thresholds.for_group(column)
            assert column in results.columns
            assert 1 <= cell.min <= cell.mean <= cell.max <= 5
    shuffled = list(scenario.raters)
    rnd.shuffle(shuffled)
    assert compute_results(scenario.rubric, shuffled, scenario.thresholds) == results


@PROPERTY_SETTINGS
@given(scenarios())
def test_sections_are_a_pure_function_of_shown_item_cells(scenario: Scenario) -> None:
    """(e) Each section cell pools exactly its column's shown item cells, so it reveals nothing.

    Its total and sum of squares are the shown item cells' (n ratings = Σ item n), min/max are
    theirs, and it is hidden iff they all are. n and not_observed are checked against an
    independent count of the raters behind those cells.
    """
    results = compute_results(scenario.rubric, scenario.raters, scenario.thresholds)
    for section in scenario.rubric["sections"]:
        ids = [item["id"] for item in section["items"]]
        for column in scenario.thresholds.columns:
            cell = results.sections[section["id"]][column]
            shown = {i: c for i in ids if (c := results.items[i][column]) is not None}
            assert (cell is None) == (not shown)
            if cell is None:
                continue
            n_ratings = sum(c.n for c in shown.values())
            total, squares = sum_and_squares(list(shown.values()))
            assert math.isclose(cell.mean * n_ratings, total)
            assert math.isclose(n_ratings * (cell.sd**2 + cell.mean**2), squares, abs_tol=1e-6)
            assert cell.min == min(c.min for c in shown.values())
            assert cell.max == max(c.max for c in shown.values())
            assert max(c.n for c in shown.values()) <= cell.n <= n_ratings
            contributors, counted = section_raters(scenario, results, column, shown)
            assert cell.n == len(contributors)
            assert cell.not_observed == len(counted - contributors)
            event(f"section {column}: {'several' if len(shown) > 1 else 'one'} shown item(s)")


def section_raters(
    scenario: Scenario, results: SubjectResults, column: str, shown: Mapping[str, Stats]
) -> tuple[set[int], set[int]]:
    """Oracle: raters (by position) with a rating in a shown item cell, and the raters whose
    "not observed" those cells count (the column's group; for all_others its visible groups)."""
    contributors: set[int] = set()
    counted: set[int] = set()
    for item_id in shown:
        row = results.items[item_id]
        if column == ALL_OTHERS:
            groups = scenario.thresholds.non_self_groups
            visible = {g for g in groups if row[g] is not None}
            hidden_in = row[ALL_OTHERS].n > sum(row[g].n for g in visible)  # H was admitted
            feeding = set(groups) if hidden_in else visible
        else:
            visible = feeding = {column}
        for index, r in enumerate(scenario.raters):
            if r.group in visible:
                counted.add(index)
            if r.group in feeding and r.answers.get(item_id) is not None:
                contributors.add(index)
    return contributors, counted
