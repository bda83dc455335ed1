"""The report as a reader sees it: no word printed over another, and headers broken only between
words, in English and in Welsh. Word boxes come from poppler's ``pdftotext -bbox``."""

from __future__ import annotations

import html
import random
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from service.reports.context import Leader, build_context
from service.reports.pdf import render_report
from tests.reports.test_pdf import ITEMS, TEMPLATES_DIR, _rater, inputs, raters

WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">'
                  r"(.*?)</word>")
PAGE = re.compile(r"<page .*?</page>", re.S)
HYPHENS = ("-", "\u2010", "\u00ad")  # what a hyphenated line ends with
TOLERANCE = 0.5  # points: glyph boxes of neighbouring lines touch without overlapping


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Word) -> bool:
        return (min(self.x1, other.x1) - max(self.x0, other.x0) > TOLERANCE
                and min(self.y1, other.y1) - max(self.y0, other.y0) > TOLERANCE)


def words_by_page(pdf: bytes) -> list[list[Word]]:
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    return [[Word(html.unescape(m[4]), *map(float, m[:4])) for m in WORD.findall(page)]
            for page in PAGE.findall(out)]


def overlapping(words: list[Word]) -> Iterator[tuple[Word, Word]]:
    ordered = sorted(words, key=lambda w: w.x0)
    for i, word in enumerate(ordered):
        for other in ordered[i + 1:]:
            if other.x0 >= word.x1:
                break
            if word.overlaps(other):
                yield word, other


def every_group_shown() -> list:
    """Six columns, the most a behaviour table has: three peers and three others join."""
    return [*raters(), _rater("peer", 3), *[_rater("other", 4) for _ in range(3)]]


LEADERS = {"en": Leader("Dr Alex Smith", "Ward Manager", "Nursing", "en"),
           "cy": Leader("Siân Prosser", language="cy")}


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("groups", ["usual", "all"])
def test_no_word_prints_over_another(app, language, groups):
    chosen = every_group_shown() if groups == "all" else raters()
    invited = {"self": 1, "manager": 1, "peer": 4, "direct_report": 6, "other": 3}
    context = build_context(inputs(leader=LEADERS[language], raters=chosen, invited=invited),
                            random.Random(1))
    assert len(context["columns"]) == (6 if groups == "all" else 4)
    pages = words_by_page(render_report(context, TEMPLATES_DIR).pdf)
    problems = [(number + 1, a.text, b.text) for number, words in enumerate(pages)
                for a, b in overlapping(words)]
    assert problems == []

    # Column headers whole on every behaviour page (those with the spread column): each word
    # of each group's name printed as it is, neither hyphenated ("Man-ager") nor cut across
    # lines ("Adroddi" / "adau").
    spread = context["labels"]["col_spread"]
    detail = [{w.text for w in words} for words in pages if spread in {w.text for w in words}]
    assert len(detail) >= 3
    header_words = [word for column in context["columns"] for word in column["label"].split()]
    for printed in detail:
        for word in header_words:
            assert word in printed, word
            assert not [part for part in printed
                        if part.endswith(HYPHENS) and word.startswith(part[:-1])], word


def test_the_overlap_check_finds_words_over_each_other():
    """The check itself: two words drawn at one place are caught, neighbours are not."""
    base = Word("Pawb", 10, 10, 30, 18)
    assert list(overlapping([base, Word("arall", 25, 12, 45, 20)]))
    assert not list(overlapping([base, Word("arall", 30.2, 10, 45, 18),
                                 Word("Eraill", 10, 18.3, 30, 26)]))
    assert len(ITEMS) > 10
