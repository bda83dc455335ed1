""""Not observed" is not "not shown": a group whose every rater chose "not observed" says so,
a cell hidden for anonymity shows "–", and the "n not observed" under all others counts what the
data holds for the groups on the page."""

from __future__ import annotations

import random

from service.reports.context import build_context
from service.reports.pdf import render_report, render_report_html
from service.responses.results import ALL_OTHERS
from tests.reports.test_pdf import FIRST, SECOND, TEMPLATES_DIR, _pages, _rater, inputs

SEEN_BY_FEW, UNSEEN_BY_MANAGER = FIRST["items"][2]["id"], FIRST["items"][3]["id"]
UNSEEN_BY_SELF = SECOND["items"][0]["id"]


def raters() -> list:
    """The manager did not observe one behaviour and one direct report did not either; two of
    four direct reports did not observe another (two ratings: hidden, k = 3; pooled into all
    others with the two hidden peers); the peers did not observe the manager's gap either; the
    leader left one behaviour unrated."""
    return [
        _rater("self", 4, overrides={UNSEEN_BY_SELF: None}),
        _rater("manager", 3, overrides={UNSEEN_BY_MANAGER: None}),
        _rater("direct_report", 4, overrides={UNSEEN_BY_MANAGER: None, SEEN_BY_FEW: None}),
        _rater("direct_report", 5, overrides={SEEN_BY_FEW: None}),
        _rater("direct_report", 4),
        _rater("direct_report", 3),
        *[_rater("peer", 2, overrides={UNSEEN_BY_MANAGER: None}) for _ in range(2)],
    ]


def context() -> dict:
    return build_context(inputs(raters=raters(), cohort=None, previous=None), random.Random(1))


def _item(ctx: dict, item_id: str) -> dict:
    return next(i for s in ctx["sections"] for i in s["items"] if i["id"] == item_id)


def test_all_others_counts_what_the_data_holds_for_the_groups_on_the_page():
    ctx = context()
    shown = {c["key"] for c in ctx["columns"]} - {"self", ALL_OTHERS}
    checked = 0
    for section in ctx["sections"]:
        for item in section["items"]:
            everyone = item["scores"][ALL_OTHERS]
            # Groups on the page for this behaviour: a figure, or "not observed" by all.
            on_page = {g for g in shown if item["scores"].get(g) or g in item["unobserved"]}
            in_data = sum(1 for r in raters()
                          if r.group in on_page and r.answers.get(item["id"]) is None)
            assert everyone["not_observed"] == in_data, item["id"]
            checked += 1
    assert checked > 30
    manager_gap = _item(ctx, UNSEEN_BY_MANAGER)
    assert manager_gap["unobserved"] == ["manager"]
    assert manager_gap["scores"]["manager"] is None
    assert manager_gap["scores"][ALL_OTHERS]["not_observed"] == 2  # the manager's and one DR's


def test_hidden_cells_stay_hidden_and_the_peers_are_not_counted():
    ctx = context()
    few = _item(ctx, SEEN_BY_FEW)
    assert few["scores"]["direct_report"] is None
    assert few["unobserved"] == []  # two rated: hidden to protect them, not "not observed"
    # Pooled with the peers, the two DRs' ratings count; the two who did not rate stay unsaid.
    assert few["scores"][ALL_OTHERS]["n"] == 5
    assert few["scores"][ALL_OTHERS]["not_observed"] == 0
    assert _item(ctx, UNSEEN_BY_SELF)["unobserved"] == ["self"]


def test_the_page_shows_the_two_differently_and_explains_both(app):
    ctx = context()
    pages = _pages(render_report(ctx, TEMPLATES_DIR).pdf)
    text = "\n".join(pages)
    manager_gap = _item(ctx, UNSEEN_BY_MANAGER)["text"]
    few = _item(ctx, SEEN_BY_FEW)["text"]
    # Self 4.0, manager not observed, DRs 4.0 from three with one not observed, all others 2.
    assert f"{manager_gap} Level: Team 4.0 n = 1 Not observed 4.0 n = 3 1 not observed 4.0 " \
           "n = 3 2 not observed" in text
    assert f"{few} Level: Team 4.0 n = 1 3.0 n = 1 – " in text
    assert "“Not observed” in a group’s column means that everyone in that group" in text
    assert "“–” in a table means not shown: too few people in that group answered" in text
    html = render_report_html(ctx, TEMPLATES_DIR)
    assert "Manager: Not observed" in html  # in the spread chart's text alternative
    # The scale's own table no longer calls "not observed" "–".
    assert "<th scope=\"col\" class=\"num\">no score</th>" in html
