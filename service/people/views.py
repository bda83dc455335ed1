"""HR's people pages: the directory's status and a sync now, search, and importing a CSV or
LDIF file with a preview of what it would change before it is applied.

The preview is the import's own dry run (upsert, then roll back). The uploaded file waits for
the "apply" under the instance folder, named by a random key the preview page carries; apply
imports it and removes it, and files older than a day are removed at the next upload."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service.db import db
from service.directory import tasks as directory_tasks
from service.directory.sync import last_sync
from service.people.operations import (
    PeopleImportError,
    parse_people_file,
    search_people,
    upsert_people,
)
from service.staff.access import require_role
from service.staff.views import staff_page_context

bp = Blueprint("people", __name__, url_prefix="/hr/people")
bp.context_processor(staff_page_context)

SUFFIXES = (".csv", ".ldif")
KEEP_UPLOADS = 24 * 3600
MAX_SEARCH = 100


def _uploads() -> Path:
    folder = Path(current_app.config["INSTANCE_PATH"]) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _upload(key: str) -> Path | None:
    if not key or not key.replace("-", "").replace("_", "").isalnum() or len(key) > 64:
        return None
    for suffix in SUFFIXES:
        path = _uploads() / f"{key}{suffix}"
        if path.is_file():
            return path
    return None


@bp.get("")
@require_role("hr")
def directory() -> str:
    text = request.args.get("q", "").strip()[:200]
    found = search_people(text, MAX_SEARCH) if text else None
    return render_template("console/people.html", status=last_sync(),
                           error=directory_tasks.last_error(),
                           can_sync=directory_tasks.sync_available(), q=text, found=found,
                           done=request.args.get("done"), nav_current="people.directory")


@bp.post("/sync")
@require_role("hr")
def sync() -> Any:
    if not directory_tasks.sync_available():
        return render_template("error.html", title=_("There is no directory to sync"), message=_(
            "This service is not connected to a directory (LDAP_URL), or its worker does not "
            "sync it (LDAP_SYNC_TASKS). Import people from a file instead.")), 409
    directory_tasks.request_sync()
    db.session.commit()
    return redirect(url_for("people.directory", done="sync"), code=303)


def _import_page(status: int = 200, **context: Any) -> Any:
    return render_template("console/import.html", nav_current="people.directory",
                           **context), status


def _preview(path: Path) -> Any:
    """The import's dry run: what would change, then nothing saved."""
    try:
        counts = upsert_people(parse_people_file(path))
    finally:
        db.session.rollback()
    return counts


@bp.route("/import", methods=["GET", "POST"])
@require_role("hr")
def import_file() -> Any:
    if request.method == "GET":
        return _import_page()
    if request.form.get("action") == "apply":
        path = _upload(request.form.get("upload", ""))
        if path is None:
            return _import_page(400, errors={"file": _(
                "The file to import was not found: it was applied already, or it waited more "
                "than a day. Choose the file again.")})
        try:
            counts = upsert_people(parse_people_file(path))
        except PeopleImportError as exc:  # it was valid at the preview; a rule changed since
            return _import_page(400, errors={"file": _problem_text(exc)})
        db.session.commit()
        path.unlink(missing_ok=True)
        return _import_page(applied=counts)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(400, errors={"file": _("Choose a CSV or LDIF file to import")})
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in SUFFIXES:
        return _import_page(400, errors={"file": _(
            "The file must be a CSV file (.csv) or an LDIF file (.ldif). Export the people "
            "from your system in one of those and choose it again.")})
    _forget_old_uploads()
    key = secrets.token_urlsafe(24)
    path = _uploads() / f"{key}{suffix}"
    upload.save(path)
    path.chmod(0o600)  # names and addresses: readable by the service's user only
    try:
        counts = _preview(path)
    except PeopleImportError as exc:
        path.unlink(missing_ok=True)
        return _import_page(400, errors={"file": _problem_text(exc)})
    return _import_page(preview=counts, upload=key, filename=Path(upload.filename).name)


def _problem_text(exc: PeopleImportError) -> str:
    shown = exc.problems[:10]
    more = len(exc.problems) - len(shown)
    text = _("The file cannot be imported, so nothing was changed. Correct these problems "
             "and choose the file again: %(problems)s", problems="; ".join(map(str, shown)))
    if more:
        text += " " + _("(and %(count)d more)", count=more)
    return text


def _forget_old_uploads() -> None:
    limit = time.time() - KEEP_UPLOADS
    for path in _uploads().iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)

