"""Render an email from `templates/email/NAME.LANG.txt` and `.html`, in the recipient's language.

The text template sets the subject with `{% set subject = ... %}`, so wording lives in one file."""

from __future__ import annotations

import datetime as dt
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "cy": ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
           "Medi", "Hydref", "Tachwedd", "Rhagfyr"),
}


def long_date(iso: str, language: str) -> str:
    """'2026-12-06' -> '6 December 2026' (or '6 Rhagfyr 2026'), as people write dates."""
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {MONTHS.get(language, MONTHS['en'])[day.month - 1]} {day.year}"


@lru_cache(maxsize=4)
def _environment(templates_dir: str) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(Path(templates_dir) / "email")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_email(template: str, language: str, context: dict[str, Any],
                 templates_dir: str | None = None) -> tuple[str, str, str | None]:
    env = _environment(templates_dir or current_app.config["TEMPLATES_DIR"])
    lang = language
    try:
        text_template = env.get_template(f"{template}.{lang}.txt")
    except TemplateNotFound:
        lang = "en"
        text_template = env.get_template(f"{template}.{lang}.txt")
    if "closes_on" in context:
        context = {**context, "deadline": long_date(context["closes_on"], lang)}
    module = text_template.make_module(context)
    subject = " ".join(str(module.subject).split())
    text = str(module)
    try:
        html: str | None = env.get_template(f"{template}.{lang}.html").render(
            subject=subject, **context)
    except TemplateNotFound:
        html = None
    return subject, wrap_text(text.lstrip("\n")), html


def wrap_text(text: str, width: int = 78) -> str:
    """Templates write a paragraph on one line; the plain-text part wraps it as mail is read
    (RFC 3676 asks for 78). Words are never broken, so a link stays whole and clickable."""
    return "\n".join(
        line if len(line) <= width
        else textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False)
        for line in text.split("\n"))
