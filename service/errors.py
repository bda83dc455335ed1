"""Errors that operations raise for people to read: the message names the problem and the fix.

Messages are Flask-Babel lazy strings (`lazy_gettext`, named placeholders): `str(error)` turns
one into a sentence in the language of the moment, the page's in a request and English in a
command (service.i18n.select_locale), so the same raise serves the console and the CLI."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """Refused because the request does not fit the current state or the rules."""

    status_code = 409

    def __str__(self) -> str:
        return " ".join(str(arg) for arg in self.args)  # a lazy message, read now


class NotFound(DomainError):
    status_code = 404


class InvalidInput(DomainError):
    status_code = 400


#: A cycle's state as a word in a sentence (the enum's values are English).
STATE_NAMES = {"draft": _l("draft"), "open": _l("open"), "closed": _l("closed"),
               "released": _l("released")}


def state_name(cycle_or_state: Any) -> Any:
    """The state of a cycle (or a CycleState) as a lazy word for an error message."""
    value = getattr(getattr(cycle_or_state, "state", cycle_or_state), "value", cycle_or_state)
    return STATE_NAMES.get(value, value)
