"""Render an email from `templates/email/NAME.txt` and `.html` in the recipient's language.

One template per kind: every sentence goes through gettext (the catalogues in
service/translations) and the whole message is rendered under
``flask_babel.force_locale(<the recipient's directory language>)``; dates are CLDR's, through
Babel. The text template sets the subject with `{% set subject = ... %}`, so wording lives in
one file, and writes a paragraph on one line (wrapped here)."""

from __future__ import annotations

import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Any

import flask_babel
from flask import current_app
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from service.i18n import DEFAULT, SUPPORTED, long_date


@lru_cache(maxsize=4)
def _environment(templates_dir: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(Path(templates_dir) / "email")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Looked up at each call, so the locale forced around a render is the one used.
    env.install_gettext_callables(  # type: ignore[attr-defined]  (added by the extension)
        flask_babel.gettext, flask_babel.ngettext, newstyle=True)
    return env


def render_email(template: str, language: str, context: dict[str, Any],
                 templates_dir: str | None = None) -> tuple[str, str, str | None]:
    """Subject, text and HTML (None when the kind has no HTML template) in ``language``
    (English when the catalogues have no such language)."""
    env = _environment(templates_dir or current_app.config["TEMPLATES_DIR"])
    lang = language if language in SUPPORTED else DEFAULT
    context = {**context, "lang": lang}
    if "closes_on" in context:
        context["deadline"] = long_date(context["closes_on"], lang)
    with flask_babel.force_locale(lang):
        module = env.get_template(f"{template}.txt").make_module(context)
        subject = " ".join(str(module.subject).split())
        text = str(module)
        try:
            html: str | None = env.get_template(f"{template}.html").render(
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
