"""The raters' pages for signed-in staff: the feedback one has been asked to give. Anyone
signed in sees their own list (an empty one, for most roles); nobody signed in is sent to sign
in, the holder of a rater's link too (the link opens the form, never this page). That the list
holds only one's own forms is tested in tests/web/test_asked.py."""

from __future__ import annotations

from tests.web.matrix import Route, signed_in

ROUTES = [
    Route("asked.asked", "GET", lambda w: "/me/asked", signed_in()),
]
