"""Importance answers: how important a rater thinks each section is for the leader's role.

They travel inside a response's ``answers``, beside the item ratings, under a key that no item
id can take (item ids are slugs, without ':'), so drafts, held answers, the close's move into
``responses`` and every anonymity rule treat them exactly as item answers, and no migration
was needed. An importance answer is optional: absent means the rater left it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "importance:"
#: The form field of a section's importance question (``importance-<section id>``).
FIELD_PREFIX = "importance-"


def key(section_id: str) -> str:
    """The answers key of a section's importance."""
    return f"{PREFIX}{section_id}"


def section_of(answer_key: str) -> str | None:
    """The section an answers key is the importance of, or None for an item's rating."""
    return answer_key[len(PREFIX):] if answer_key.startswith(PREFIX) else None


def asked(rubric: Mapping[str, Any]) -> bool:
    """Whether this rubric asks about importance (rubrics frozen before it never do)."""
    return bool(rubric.get("importance"))


def top(rubric: Mapping[str, Any]) -> int:
    """The highest importance value (the scale's length)."""
    return len(rubric["importance"]["labels"]) if asked(rubric) else 0
