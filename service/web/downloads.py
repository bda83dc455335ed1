"""Confidential files sent to a browser: a report's PDF, with or without the action plan."""

from __future__ import annotations

from flask import Response, make_response


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A confidential PDF: never cached, named without the leader's name (download folders
    are shared and synced)."""
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
