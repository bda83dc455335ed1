"""Which wording of a rubric's item or open question a rater reads.

The leader's own form puts each statement in the first person ("I give people …") when the
rubric gives that wording (`self_text`); rubrics frozen before it existed, and items without
it, show the usual wording on every form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def wording(entry: Mapping[str, Any], for_self: bool) -> Mapping[str, str]:
    """The item's or question's texts by language, for the leader's own form or everyone else's."""
    if for_self and entry.get("self_text"):
        return entry["self_text"]
    return entry["text"]
