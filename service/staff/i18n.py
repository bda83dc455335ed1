"""Temporary until Flask-Babel lands: gettext-shaped passthrough."""

from __future__ import annotations

from typing import Any


def _(text: str, **values: Any) -> str:
    return text % values if values else text
