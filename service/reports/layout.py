"""Column widths for the report's score tables, worked out from the words in their cells.

A fixed table layout (cheap for WeasyPrint: it never measures the cells) gives each column the
width it is told. Told by percentages, a narrow group column broke long Welsh words across lines
("Adroddi-adau uniongy-rchol") or let them print over the next column. Here each group column is
as wide as its longest word needs, in the language of the report, and the behaviour column gets
what is left: headers then wrap only between words. A word's width is estimated from its letters
(DejaVu Sans, the report's font, by class of letter), with a margin, so no font is opened here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

CONTENT_MM = 178.0  # A4's 210 mm less the 16 mm side margins of report.css's @page
PT_MM = 25.4 / 72
SPREAD_MM = 44.0  # the spread chart's column, narrowed down to SPREAD_MIN_MM when needed
SPREAD_MIN_MM = 32.0
LABEL_MIN_MM = 52.0  # the behaviour text's column
SECTION_MIN_MM = 40.0  # a section title's column (short titles: their longest word fits)
SAFETY = 1.05  # without it, the estimate is at most 4.5% short for any word of 3 letters or
# more in the catalogues (checked against the font's own advances when this was written)

_NARROW = frozenset("fijlI!'’.,:;|[]")
_MID = frozenset("rt-()")
_WIDE = frozenset("mwŵMWŴ%@…=")


def word_em(word: str, bold: bool = False) -> float:
    """A word's width in ems of DejaVu Sans, from the widths of its kinds of letter."""
    total = 0.0
    for char in word:
        if char in _NARROW:
            total += 0.36 if bold else 0.30
        elif char in _MID:
            total += 0.50 if bold else 0.42
        elif char in _WIDE:
            total += 1.12 if bold else 1.0
        elif char.isupper():
            total += 0.80 if bold else 0.74
        else:
            total += 0.70 if bold else 0.64
    return total * SAFETY


def longest_word_mm(texts: Iterable[str], size_pt: float, bold: bool = False) -> float:
    return max((word_em(word, bold) * size_pt * PT_MM
                for text in texts for word in text.split()), default=0.0)


def group_column_mm(header: str, header_pt: float, body: Sequence[str], body_pt: float,
                    padding_mm: float, minimum_mm: float) -> float:
    """A group column wide enough for its header's and its cells' longest words."""
    needed = max(longest_word_mm([header], header_pt, bold=True),
                 longest_word_mm(body, body_pt))
    return round(max(minimum_mm, needed + padding_mm), 1)


def items_table_mm(headers: Sequence[str], body: Sequence[str]) -> dict[str, object]:
    """Widths for a behaviour table (report.css: headers 7.5 pt bold, notes 7.5 pt, 1 mm of
    padding each side): the group columns, then the spread chart, then the behaviour text,
    which keeps at least ``LABEL_MIN_MM`` by narrowing the spread chart when groups are many."""
    columns = [group_column_mm(header, 7.5, body, 7.5, 2.6, 13.0) for header in headers]
    tight = CONTENT_MM - sum(columns) - SPREAD_MIN_MM < LABEL_MIN_MM
    if tight:  # a cycle with groups of its own: report.css's .tight, 6 pt and 0.5 mm
        columns = [group_column_mm(header, 6.0, body, 6.0, 1.4, 10.0) for header in headers]
    spread = SPREAD_MM
    label = CONTENT_MM - sum(columns) - spread
    if label < LABEL_MIN_MM:
        spread = max(SPREAD_MIN_MM, spread - (LABEL_MIN_MM - label))
    return {"columns": columns, "spread": round(spread, 1), "tight": tight}



def group_tables_mm(headers: Sequence[str], body: Sequence[str],
                    extras: Sequence[tuple[str, Sequence[str]]] = ()) -> list[dict[str, object]]:
    """The overview's tables of sections by group (scores, importance) as one table or, with
    more groups than fit across A4 (a cycle with several groups of its own), as a few, each
    repeating the section column.

    Each table: ``columns`` as (index into ``headers``, width in mm), ``extra`` the width of
    the column after the groups (the cohort's average, a priority's mark; the last table only,
    else None) and ``tight``. A group column is as wide as the longest word of its header
    (8 pt bold, or 6 pt in a tight table) or of ``body`` (what its cells may hold besides a
    mean, 7.5 or 6 pt), so headers wrap only between words; the extra column as the widest of
    ``extras`` (header, cell texts in bold). The section column keeps ``SECTION_MIN_MM``. One
    table at 8 pt if it fits, else at 6 pt; else the fewest tables, in the columns' order, at
    8 pt if that takes no more of them. The same arguments give the same cut, so the scores
    and the importance tables, given the same groups and extras, line up column for column."""
    room = CONTENT_MM - SECTION_MIN_MM
    layouts = []
    for tight, header_pt, body_pt, padding, minimum in ((False, 8.0, 7.5, 3.0, 15.0),
                                                         (True, 6.0, 6.0, 1.4, 11.0)):
        widths = [group_column_mm(header, header_pt, body, body_pt, padding, minimum)
                  for header in headers]
        extra = max((max(group_column_mm(header, header_pt, [], body_pt, padding, minimum),
                         round(longest_word_mm(texts, body_pt, bold=True) + padding, 1))
                     for header, texts in extras), default=0.0)
        tables = _in_order(widths, room, after_last=extra)
        layouts.append([{"columns": [(i, widths[i]) for i in chosen],
                         "extra": extra if extras and number == len(tables) - 1 else None,
                         "tight": tight} for number, chosen in enumerate(tables)])
    normal, tight = layouts
    return normal if len(normal) <= len(tight) else tight


def _in_order(widths: Sequence[float], room: float, after_last: float = 0.0
              ) -> list[list[int]]:
    """The columns cut, in order, into the fewest runs that each fit ``room`` (a run always
    takes at least one column); the last column brings ``after_last`` mm more with it."""
    runs: list[list[int]] = [[]]
    for index, width in enumerate(widths):
        extra = after_last if index == len(widths) - 1 else 0.0
        if runs[-1] and sum(widths[i] for i in runs[-1]) + width + extra > room:
            runs.append([])
        runs[-1].append(index)
    return runs


def _balanced(widths: Sequence[float], parts: int, room: float) -> list[list[int]] | None:
    """The columns in ``parts`` runs, in order, as even in count as can be, each within
    ``room``; None if such a cut does not fit."""
    size, rest = divmod(len(widths), parts)
    runs, start = [], 0
    for number in range(parts):
        end = start + size + (1 if number < rest else 0)
        runs.append(list(range(start, end)))
        start = end
    return runs if all(sum(widths[i] for i in run) <= room for run in runs) else None


def items_tables_mm(headers: Sequence[str], body: Sequence[str]) -> list[dict[str, object]]:
    """The behaviour pages' table for a section as one table (``items_table_mm``) while the
    behaviour text keeps ``LABEL_MIN_MM`` beside every group and the spread chart, else cut
    into the fewest parts, each repeating the behaviour text with the spread chart of its own
    groups: a cycle with groups of its own (up to twelve columns) would otherwise set the text
    a word or a letter to a line.

    Each part: ``columns`` as (index into ``headers``, width in mm), ``spread`` and ``tight``.
    In parts the text keeps at least ``LABEL_MIN_MM`` and the spread chart ``SPREAD_MM``, or
    down to ``SPREAD_MIN_MM`` where that saves a part; parts are at 7.5 pt if that takes no
    more of them than 6 pt, and even in their number of groups (6 and 6, not 10 and 2) where
    they fit so."""
    single = items_table_mm(headers, body)
    columns = list(single["columns"])  # type: ignore[call-overload]
    spread = float(single["spread"])  # type: ignore[arg-type]
    if CONTENT_MM - sum(columns) - spread >= LABEL_MIN_MM:
        return [{"columns": list(enumerate(columns)), "spread": spread,
                 "tight": single["tight"]}]
    room = CONTENT_MM - LABEL_MIN_MM - SPREAD_MIN_MM
    layouts = []
    for tight, size, padding, minimum in ((False, 7.5, 2.6, 13.0), (True, 6.0, 1.4, 10.0)):
        widths = [group_column_mm(header, size, body, size, padding, minimum)
                  for header in headers]
        runs = _in_order(widths, room)
        runs = _balanced(widths, len(runs), room) or runs
        layouts.append([{"columns": [(i, widths[i]) for i in run], "tight": tight,
                         "spread": round(min(SPREAD_MM, CONTENT_MM - LABEL_MIN_MM
                                             - sum(widths[i] for i in run)), 1)}
                        for run in runs])
    normal, tight = layouts
    return normal if len(normal) <= len(tight) else tight
