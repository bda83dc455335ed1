"""The report as a reader sees it: no word printed over another, and headers broken only between
words, in English and in Welsh (word boxes from poppler's ``pdftotext -bbox``); the overview's
markers apart and each group in a colour of its own."""

from __future__ import annotations

import html
import random
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from service.cycles.groups import MAX_GROUPS
from service.reports.context import CycleFacts, Leader, build_context
from service.reports.layout import (
    CONTENT_MM,
    LABEL_MIN_MM,
    SECTION_MIN_MM,
    SPREAD_MIN_MM,
    SPREAD_MM,
    group_tables_mm,
    items_table_mm,
    items_tables_mm,
)
from service.reports.pdf import render_report, render_report_html
from service.responses.results import Thresholds
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


#: Two groups of a cycle's own, with long names in both languages, each with its own k.
OWN_GROUPS = {"custom_patients_and_carers": {"en": "Patients and carers",
                                             "cy": "Cleifion a gofalwyr"},
              "custom_partner_organisations": {"en": "Partner organisations",
                                               "cy": "Sefydliadau partner"}}


def with_own_groups() -> tuple[list, CycleFacts]:
    """Eight columns: every built-in group and two of the cycle's own."""
    chosen = [*every_group_shown(),
              *[_rater("custom_patients_and_carers", 4) for _ in range(3)],
              *[_rater("custom_partner_organisations", 3) for _ in range(4)]]
    cycle = replace(inputs().cycle, thresholds=Thresholds(3, 1, custom=(
        ("custom_patients_and_carers", 3), ("custom_partner_organisations", 4))),
        group_names=OWN_GROUPS)
    return chosen, cycle


#: As many groups of its own as a cycle can have (service/cycles/groups.py, MAX_GROUPS), named
#: with long words in both languages.
MOST_GROUPS = {
    **OWN_GROUPS,
    "custom_students_and_trainees": {"en": "Students and trainees",
                                     "cy": "Myfyrwyr a hyfforddeion"},
    "custom_social_care": {"en": "Social care colleagues",
                           "cy": "Cydweithwyr gofal cymdeithasol"},
    "custom_volunteers": {"en": "Volunteers", "cy": "Gwirfoddolwyr"},
    "custom_commissioners": {"en": "Commissioners and regulators",
                             "cy": "Comisiynwyr a rheoleiddwyr"},
}


def with_most_groups() -> tuple[list, CycleFacts, dict[str, int]]:
    """Twelve columns, the most a report has: self, the four built-in groups, six of the
    cycle's own and all others, every one shown."""
    assert len(MOST_GROUPS) == MAX_GROUPS
    chosen = every_group_shown()
    for index, key in enumerate(MOST_GROUPS):
        chosen += [_rater(key, 2 + (index + n) % 4) for n in range(3)]
    cycle = replace(inputs().cycle, thresholds=Thresholds(3, 1, custom=tuple(
        (key, 3) for key in MOST_GROUPS)), group_names=MOST_GROUPS)
    invited = {"self": 1, "manager": 1, "peer": 4, "direct_report": 6, "other": 3,
               **dict.fromkeys(MOST_GROUPS, 3)}
    return chosen, cycle, invited


LEADERS = {"en": Leader("Dr Alex Smith", "Ward Manager", "Nursing", "en"),
           "cy": Leader("Siân Prosser", language="cy")}


def _detail_pages(pages: list[list[Word]], spread: str) -> list[set[str]]:
    return [{w.text for w in words} for words in pages if spread in {w.text for w in words}]


def table_words(pages: list[list[Word]], caption: str) -> list[list[Word]]:
    """The words of each table with this caption (or "…, part 1 of 2"), from the caption
    down to the end of its page: its headers, its rows and what follows them."""
    first = caption.split()[:3]
    found = []
    for words in pages:
        for i in range(len(words) - 2):
            if [w.text for w in words[i:i + 3]] == first:
                found.append([w for w in words if w.y0 > words[i].y0])
    return found


RIGHT_EDGE_PT = 595.28 - 16 / 25.4 * 72  # A4, less report.css's right margin


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("groups", ["usual", "all", "own", "most"])
def test_no_word_prints_over_another(app, language, groups):
    chosen = every_group_shown() if groups == "all" else raters()
    invited = {"self": 1, "manager": 1, "peer": 4, "direct_report": 6, "other": 3,
               "custom_patients_and_carers": 3, "custom_partner_organisations": 4}
    cycle = inputs().cycle
    if groups == "own":
        chosen, cycle = with_own_groups()
    if groups == "most":
        chosen, cycle, invited = with_most_groups()
    context = build_context(inputs(leader=LEADERS[language], raters=chosen, invited=invited,
                                   cycle=cycle), random.Random(1))
    assert len(context["columns"]) == {"usual": 4, "all": 6, "own": 8, "most": 12}[groups]
    pages = words_by_page(render_report(context, TEMPLATES_DIR).pdf)
    header_words = [word for column in context["columns"] for word in column["label"].split()]
    labels = context["labels"]

    # The overview's tables by group, scores and importance (issue 12, point 5): one column
    # per group, as the behaviour pages; with twelve, cut in the same places into parts that
    # each fit across A4. Every word of every header printed whole, nothing past the margin.
    parts = 2 if groups == "most" else 1
    for caption in (labels["overview_caption"], labels["importance_caption"]):
        tables = table_words(pages, caption)
        assert len(tables) == parts, caption
        printed = [{w.text for w in words} for words in tables]
        for word in [*header_words, labels["col_section"]]:
            assert any(word in found for found in printed), (caption, word)
            assert not [part for found in printed for part in found
                        if part.endswith(HYPHENS) and word.startswith(part[:-1])], word
        assert max(w.x1 for words in tables for w in words) <= RIGHT_EDGE_PT + TOLERANCE
    assert labels["col_priority"] in printed[-1]
    spread = labels["col_spread"]
    problems = [(number + 1, a.text, b.text) for number, words in enumerate(pages)
                for a, b in overlapping(words)]
    assert problems == []

    # The behaviour pages (those with the spread column): one table per section, or with many
    # groups a few, each repeating the behaviour (layout.items_tables_mm). Each word of each
    # group's name printed as it is, neither hyphenated ("Man-ager") nor cut across lines
    # ("Adroddi" / "adau"); every word of every behaviour whole (not a letter to a line), and
    # nothing past the right margin.
    detail = _detail_pages(pages, spread)
    assert len(detail) >= 3
    printed = set().union(*detail)
    for word in header_words:
        assert word in printed, word
        assert not [part for part in printed
                    if part.endswith(HYPHENS) and word.startswith(part[:-1])], word
    if groups in ("usual", "all"):  # one table: every group's name on every behaviour page
        assert all(set(header_words) <= found for found in detail)
    behaviour_words = {word for section in context["sections"] for item in section["items"]
                       for word in item["text"].split()}
    assert behaviour_words - printed == set()
    edge = max(w.x1 for words in pages for w in words if spread in {v.text for v in words})
    assert edge <= RIGHT_EDGE_PT + TOLERANCE


def test_the_overlap_check_finds_words_over_each_other():
    """The check itself: two words drawn at one place are caught, neighbours are not."""
    base = Word("Pawb", 10, 10, 30, 18)
    assert list(overlapping([base, Word("arall", 25, 12, 45, 20)]))
    assert not list(overlapping([base, Word("arall", 30.2, 10, 45, 18),
                                 Word("Eraill", 10, 18.3, 30, 26)]))
    assert len(ITEMS) > 10


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _box(shape: ET.Element) -> tuple[float, float, float, float]:
    """A marker's bounding box (x0, y0, x1, y1), its stroke included."""
    stroke = float(shape.get("stroke-width", 0)) / 2
    if shape.tag.endswith("rect"):
        x, y = float(shape.get("x")), float(shape.get("y"))
        return x, y, x + float(shape.get("width")), y + float(shape.get("height"))
    if shape.tag.endswith("circle"):
        cx, cy, r = (float(shape.get(a)) for a in ("cx", "cy", "r"))
        return cx - r - stroke, cy - r - stroke, cx + r + stroke, cy + r + stroke
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", shape.get("d"))]
    xs, ys = numbers[::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.mark.parametrize("own", [False, True])
def test_overview_markers_never_cover_one_another_and_each_group_has_its_colour(own):
    """Everyone rates 4 throughout: every group's marker at the same score, on every row;
    with the cycle's own groups, eight groups."""
    same = [_rater("self", 4), _rater("manager", 4), *[_rater("direct_report", 4)] * 3,
            *[_rater("peer", 4)] * 3, *[_rater("other", 4)] * 3]
    cycle = inputs().cycle
    if own:
        cycle = with_own_groups()[1]
        same += [*[_rater("custom_patients_and_carers", 4)] * 3,
                 *[_rater("custom_partner_organisations", 4)] * 4]
    context = build_context(inputs(raters=same, cycle=cycle), random.Random(1))
    count = 8 if own else 6
    assert len(context["columns"]) == count
    page = render_report_html(context, TEMPLATES_DIR)
    svg = re.search(r'<svg class="chart overview-chart".*?</svg>', page, re.S).group(0)
    def colour(shape: ET.Element) -> str:  # a ring is white inside, coloured by its stroke
        return shape.get("stroke") if shape.get("fill") == "#ffffff" else shape.get("fill")

    markers = [shape for shape in ET.fromstring(svg)  # noqa: S314 (our own template)
               if shape.tag.rsplit("}", 1)[-1] in ("rect", "circle", "path")
               and colour(shape) != "#212b32"]  # the cohort's bar stands behind them
    colours = {colour(shape) for shape in markers}
    assert len(colours) == count  # one per group
    assert all(1.05 / (_luminance(c) + 0.05) >= 4.5 for c in colours)  # against white
    boxes = [_box(shape) for shape in markers]
    assert len(boxes) == count * len(context["sections"])
    touching = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])]
    assert touching == []


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_tables_by_group_are_cut_into_parts_that_fit_in_the_groups_order(language):
    """group_tables_mm: every group once, in order; each part within A4 beside the section
    column; the extra column (cohort, priority) on the last part only; one table while the
    groups fit."""
    names = [*("Self", "Manager", "Peers", "Direct reports", "Others"),
             *(names[language] for names in MOST_GROUPS.values()), "All others"]
    extras = [("Cohort average", []), ("Priority", ["Priority"])]
    for headers, parts in ((names[:4] + names[-1:], 1), (names, 2)):
        tables = group_tables_mm(headers, ["Not observed"], extras)
        assert len(tables) == parts
        assert [i for table in tables for i, _ in table["columns"]] == list(range(len(headers)))
        assert [table["extra"] is not None for table in tables] == [False] * (parts - 1) + [True]
        for table in tables:
            used = sum(width for _, width in table["columns"]) + (table["extra"] or 0)
            assert used <= CONTENT_MM - SECTION_MIN_MM
    assert group_tables_mm(names, [], [])[-1]["extra"] is None


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_behaviour_tables_are_cut_by_group_only_when_the_text_would_lose_its_room(language):
    """items_tables_mm: the usual groups in one table, as items_table_mm lays it out; with
    every group a cycle can have, a few parts, every group once and in order, each leaving the
    behaviour text LABEL_MIN_MM beside its groups and a spread chart of SPREAD_MIN_MM or more."""
    names = [*("Self", "Manager", "Peers", "Direct reports", "Others"),
             *(names[language] for names in MOST_GROUPS.values()), "All others"]
    body = ["1 not observed", "n = 17", "Not observed"]
    usual = names[:4] + names[-1:]
    one = items_tables_mm(usual, body)
    single = items_table_mm(usual, body)
    assert one == [{"columns": list(enumerate(single["columns"])), "spread": single["spread"],
                    "tight": single["tight"]}]
    tables = items_tables_mm(names, body)
    assert 2 <= len(tables) <= 3
    assert [i for table in tables for i, _ in table["columns"]] == list(range(len(names)))
    for table in tables:
        assert SPREAD_MIN_MM <= table["spread"] <= SPREAD_MM
        used = sum(width for _, width in table["columns"]) + table["spread"]
        assert used <= CONTENT_MM - LABEL_MIN_MM + 0.1
