"""Pages that are not about one invitation: the start page, and the health checks.

`/healthz` is liveness: the process answers (restart it if not). It touches nothing else, so a
database outage does not get healthy web processes restarted. `/readyz` is readiness: the
database and the task queue answer, within their timeouts (send traffic here if so)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template
from sqlalchemy import text

from service.db import db

bp = Blueprint("web", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
def index() -> str:
    return render_template("index.html")


@bp.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/readyz")
def ready() -> tuple[dict[str, object], int, dict[str, str]]:
    """200 {"status": "ready"}, or 503 naming the parts that are down (never an address or an
    error message, which could carry a password or a host name)."""
    down = []
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("readiness: the database is down (%s)", type(exc).__name__)
        down.append("database")
    try:
        current_app.extensions["huey"].storage.queue_size()
    except Exception as exc:
        log.warning("readiness: the task queue is down (%s)", type(exc).__name__)
        down.append("task_queue")
    headers = {"Cache-Control": "no-store"}
    if down:
        return {"status": "unavailable", "down": down}, 503, {**headers, "Retry-After": "60"}
    return {"status": "ready"}, 200, headers
