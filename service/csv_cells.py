"""CSV cells that a spreadsheet shows as text, never runs: every CSV the service writes goes
through `write_csv`, and every CSV it reads through `read_cell`, so an export imports back
unchanged.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return (or the full-width `＝ ＋ －
＠`, which some spreadsheets take for the same) is a formula to Excel and LibreOffice: a name
like `=HYPERLINK("http://x","y")` would become a live link in HR's copy. Such a cell is
written with an apostrophe in front, the spreadsheets' own mark for "this is text", which
they do not show. To keep the rule reversible, a cell that already starts with apostrophes
before one of those characters gets one more, and reading takes exactly one away."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
TEXT_MARK = "'"


def _marked(text: str) -> bool:
    """Whether `text` is apostrophes (maybe none) and then a formula start."""
    return text.lstrip(TEXT_MARK).startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> str:
    """The cell as a spreadsheet must show it: text, never a formula."""
    text = "" if value is None else str(value)
    return TEXT_MARK + text if _marked(text) else text


def read_cell(text: str) -> str:
    """Undo `safe_cell`: an apostrophe put before a formula start is taken away again."""
    return text[1:] if text.startswith(TEXT_MARK) and _marked(text) else text


def write_csv(stream: IO[str], columns: Sequence[str],
              rows: Iterable[Mapping[str, Any]]) -> None:
    """A header and one line per row, every cell through `safe_cell`."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([safe_cell(column) for column in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
