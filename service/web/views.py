"""Pages that are not about one invitation: the start page and health check."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("web", __name__)


@bp.get("/")
def index() -> str:
    return render_template("index.html")


@bp.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}
