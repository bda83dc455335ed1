"""The design system's date input: three boxes (day, month, year) read as one date."""

from __future__ import annotations

import datetime as dt


def date_from_parts(day: str, month: str, year: str) -> dt.date | None:
    """The date the three boxes name, or None when they do not name a real one."""
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
