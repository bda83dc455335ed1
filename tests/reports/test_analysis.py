"""What the report picks out: highest and lowest items, blind spots, cohort, change."""

from __future__ import annotations

from service.reports import analysis
from service.reports.analysis import ItemScore
from service.responses.results import RaterAnswers, compute_results


def score(order: int, others: float, own: float | None = None) -> ItemScore:
    return ItemScore(f"i{order}", "s", order, others, own)


def test_highest_and_lowest_break_ties_by_item_order():
    scores = [score(0, 4.0), score(1, 4.5), score(2, 4.0), score(3, 2.0), score(4, 4.5),
              score(5, 2.0), score(6, 3.0)]
    top, bottom = analysis.strengths_and_areas(scores, 2)
    assert [s.item_id for s in top] == ["i1", "i4"]
    assert [s.item_id for s in bottom] == ["i3", "i5"]


def test_few_items_are_split_so_none_is_both():
    top, bottom = analysis.strengths_and_areas([score(0, 4.0), score(1, 3.0), score(2, 2.0)], 5)
    assert [s.item_id for s in top] == ["i0"] and [s.item_id for s in bottom] == ["i2"]


def test_blind_spots_and_hidden_strengths_use_the_configured_gaps():
    scores = [score(0, 3.0, 4.0), score(1, 3.0, 3.9), score(2, 4.5, 3.0), score(3, 4.0, None),
              score(4, 2.0, 4.5)]
    blind, hidden = analysis.self_other_gaps(scores, 1.0, 1.5)
    assert [s.item_id for s in blind] == ["i4", "i0"]  # the larger gap first; 0.9 is not one
    assert [s.item_id for s in hidden] == ["i2"]
    assert analysis.self_other_gaps(scores, 3.0, 2.0) == ([], [])


def test_only_shown_all_others_cells_are_ranked():
    rubric = {"sections": [{"id": "s", "items": [{"id": "a"}, {"id": "b"}]}]}
    raters = [RaterAnswers("direct_report", {"a": 4, "b": None}, {}) for _ in range(3)]
    raters.append(RaterAnswers("self", {"a": 2, "b": 5}, {}))
    scores = analysis.item_scores(rubric, compute_results(rubric, raters))
    assert [(s.item_id, s.others, s.self) for s in scores] == [("a", 4.0, 2.0)]


def test_the_cohort_needs_five_leaders_per_section():
    leaders = [{"s": 3.0, "t": 4.0}] * 4 + [{"s": 5.0}]
    cohort = analysis.cohort_means(leaders)
    assert cohort == {"s": {"mean": 3.4, "leaders": 5}}


def test_change_compares_only_what_is_the_same_in_both_rubrics():
    before_rubric = {"sections": [{"id": "s", "items": [{"id": "a"}, {"id": "b"}]},
                                  {"id": "t", "items": [{"id": "c"}]}]}
    after_rubric = {"sections": [{"id": "s", "items": [{"id": "b"}, {"id": "a"}]},
                                 {"id": "t", "items": [{"id": "c"}, {"id": "d"}]}]}

    def results(rubric, value):
        items = [i["id"] for s in rubric["sections"] for i in s["items"]]
        return compute_results(rubric, [RaterAnswers("direct_report", dict.fromkeys(items, value),
                                                     {}) for _ in range(3)])

    before, after = results(before_rubric, 3), results(after_rubric, 4)
    sections = analysis.sections_compared(before_rubric, before, after_rubric, after)
    assert [(c.id, c.before, c.after) for c in sections] == [("s", 3.0, 4.0)]  # t gained "d"
    items = analysis.items_compared(before, after)
    assert sorted(c.id for c in items) == ["a", "b", "c"]
    rose, fell = analysis.largest_changes(items, 2)
    assert len(rose) == 2 and fell == []


def test_group_sizes_then_and_now_name_a_weak_comparison():
    rubric = {"sections": [{"id": "s", "items": [{"id": "a"}]}]}

    def results(**sizes: int):
        return compute_results(rubric, [RaterAnswers(group, {"a": 3}, {})
                                        for group, n in sizes.items() for _ in range(n)])

    before = results(self=1, manager=1, peer=3, direct_report=6)
    after = results(self=1, manager=1, peer=8, direct_report=5, other=2)
    sizes = {s.group: (s.before, s.after, s.weak)
             for s in analysis.group_sizes_compared(before, after)}
    assert sizes == {
        "manager": (1, 1, False),
        "peer": (3, 8, True),  # most of "now" were not asked then
        "direct_report": (6, 5, False),
        "other": (0, 2, True),  # shown in neither
    }
