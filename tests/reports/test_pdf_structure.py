"""PDF/UA as a screen reader meets it: the structure tree of a rendered report, read with pikepdf.
Every figure has a text alternative, the document says its language and shows its title, and
headings nest without skipping a level; in English and in Welsh."""

from __future__ import annotations

import io
import itertools
import random
from collections.abc import Iterator

import pikepdf
import pytest

from service.reports.context import Leader, build_context
from service.reports.pdf import render_report
from tests.reports.test_pdf import TEMPLATES_DIR, inputs

HEADINGS = {f"/H{level}": level for level in range(1, 7)}


def elements(node: pikepdf.Object) -> Iterator[pikepdf.Dictionary]:
    """The structure elements under ``node``, in document order (depth first)."""
    if isinstance(node, pikepdf.Array):
        for child in node:
            yield from elements(child)
    elif isinstance(node, pikepdf.Dictionary):
        if "/S" in node:
            yield node
        if "/K" in node:
            yield from elements(node["/K"])


def skipped_levels(levels: list[int]) -> list[tuple[int, int]]:
    """Each (from, to) where a heading goes deeper by more than one level; the first is an h1."""
    problems = [(0, levels[0])] if levels and levels[0] != 1 else []
    return problems + [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_figures_language_title_and_headings(app, language):
    leader = Leader("Siân Prosser", language="cy") if language == "cy" else None
    context = build_context(inputs(**({"leader": leader} if leader else {})), random.Random(1))
    with pikepdf.open(io.BytesIO(render_report(context, TEMPLATES_DIR).pdf)) as pdf:
        root = pdf.Root
        assert str(root.Lang) == language
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        assert str(pdf.docinfo.Title) == context["title"]
        with pdf.open_metadata() as meta:
            assert meta.get("dc:title") == context["title"]
        tree = list(elements(root.StructTreeRoot))

    figures = [e for e in tree if e.S == "/Figure"]
    assert len(figures) > 20  # the legend, the overview chart, the axes and a spread per item
    without = [e.get("/A") for e in figures if not str(e.get("/Alt", "")).strip()]
    assert without == []
    axes = [str(e.Alt) for e in figures if str(e.Alt).startswith(
        context["labels"]["spread_axis_alt"].split(":")[0])]
    assert axes  # the spread axis in each behaviour table's header says what it is

    levels = [HEADINGS[str(e.S)] for e in tree if str(e.S) in HEADINGS]
    assert levels[:2] == [1, 2] and levels.count(1) == 1
    assert skipped_levels(levels) == []


def test_the_heading_check_finds_a_skipped_level():
    assert skipped_levels([1, 2, 3, 2, 3]) == []
    assert skipped_levels([1, 3]) == [(1, 3)]
    assert skipped_levels([2, 3]) == [(0, 2)]
