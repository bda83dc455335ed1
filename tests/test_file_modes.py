"""What the service leaves on disk: readable by its own user only, and no WAL once stopped."""

from __future__ import annotations

import http.cookiejar
import os
import sqlite3
import stat
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from service.db import db, erase_residue
from service.migrations.cli import upgrade
from service.outbox.operations import relay_outbox
from service.people.models import Person
from tests.factories import launched_cycle
from tests.web_server import Gunicorn, server_env

ROOT = Path(__file__).resolve().parent.parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_queue_and_mail_files_are_private(make_app: Any, tmp_path: Path) -> None:
    old = os.umask(0o022)  # what a service account usually has: files 0644 unless we say so
    try:
        instance = tmp_path / "instance"
        app = make_app(INSTANCE_PATH=str(instance), DATABASE_URL="", TASK_QUEUE_URL="",
                       MAIL_FILE_DIR="")
        with app.app_context():
            upgrade()
            launched_cycle()  # its commit puts a relay on the (SQLite) task queue
            relay_outbox()
            files = [instance / "feedback360.sqlite", instance / "feedback360.sqlite-wal",
                     instance / "feedback360.sqlite-shm", instance / "tasks.sqlite",
                     *sorted((instance / "mail").glob("*.eml"))]
            assert len(files) > 5 and all(path.exists() for path in files)
            assert {path.name: _mode(path) for path in files} == {
                path.name: 0o600 for path in files}
            assert _mode(instance / "mail") == 0o700
            db.session.remove()
            db.engine.dispose()
    finally:
        os.umask(old)


def test_a_stopped_server_leaves_no_wal_behind(make_app: Any, base_config: Any,
                                              tmp_path: Path) -> None:
    """The trial found every rater's history in the WAL after gunicorn had stopped: SQLite
    empties the WAL only when the last connection closes, and another process (the task
    worker, here an idle connection of the test's) still had the database open."""
    database = tmp_path / "served.sqlite"
    settings = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{database}",
                "SECRET_KEY": "test-secret-key-not-for-production", "MAIL_BACKEND": "file"}
    app = make_app(**settings)
    with app.app_context():
        upgrade()
        _, tokens, _ = launched_cycle()
        token = next(iter(tokens.values()))
        db.session.remove()
        db.engine.dispose()
    env = server_env({**base_config, **settings}, tmp_path)
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
        base = f"http://127.0.0.1:{server.port}"
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        assert opener.open(f"{base}/r/{token}").status == 200
        body = urllib.parse.urlencode({"action": "save",
                                       "question-strengths": "Kind."}).encode()
        assert opener.open(f"{base}/r/{token}", data=body).status == 200
        wal = database.with_name(database.name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0  # the save is in the WAL while serving
        worker = sqlite3.connect(database)  # another process's idle connection
        assert worker.execute("SELECT count(*) FROM invitations").fetchone()[0] > 0
    try:  # leaving the block stopped gunicorn with SIGTERM
        assert wal.exists() and wal.stat().st_size == 0
    finally:
        worker.close()


def test_deleted_content_is_overwritten_not_left_in_free_space(make_app: Any,
                                                               tmp_path: Path) -> None:
    """secure_delete: a moved held answer or a wiped draft leaves no bytes behind in the file
    once the WAL is checkpointed. Many SQLite builds leave it off by default (Debian's has it
    on), so the connections start with it off here and the service must turn it on."""

    def off_by_default(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA secure_delete=OFF")

    event.listen(Engine, "connect", off_by_default, insert=True)
    try:
        database = tmp_path / "erased.sqlite"
        app = make_app(DATABASE_URL=f"sqlite:///{database}")
        with app.app_context():
            upgrade()
            assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1
            person = Person(directory_id="gone", email="gone@test.example", given_name="A",
                            family_name="B", display_name="A B", title="MARKER-" + "x" * 200)
            db.session.add(person)
            db.session.commit()
            erase_residue(db.engine)
            assert b"MARKER-" in database.read_bytes()
            db.session.delete(person)
            db.session.commit()
            erase_residue(db.engine)
            assert b"MARKER-" not in database.read_bytes()
            assert database.with_name(database.name + "-wal").stat().st_size == 0
            db.session.remove()
            db.engine.dispose()
    finally:
        event.remove(Engine, "connect", off_by_default)
