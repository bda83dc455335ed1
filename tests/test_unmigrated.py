"""A command run against a database that was never set up, or is behind the code's
migrations, prints one line saying what to do, exits non-zero, and shows no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

from service.app import create_app
from service.db import db
from service.migrations.cli import upgrade

ROOT = Path(__file__).resolve().parent.parent


def _run(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "test-secret-key",
           "INSTANCE_PATH": str(tmp_path / "instance")}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _empty_database(database_url: str, tmp_path: Path) -> str:
    """A database with no tables of the kind under test: a new SQLite path, or a PostgreSQL
    database `<test database>_empty` created again for this test."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'never-set-up.sqlite'}"
    name = f"{url.database}_empty"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [["cycle", "list"], ["cycle", "status", "1"],
                                     ["people", "export"], ["audit", "export"]])
def test_a_fresh_sqlite_path_says_to_run_db_upgrade(tmp_path, command):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    line = _one_line(_run(url, tmp_path, *command))
    assert line == (f"Error: the database {url} has not been set up: run `feedback360 db "
                    "upgrade` (or set DATABASE_URL to the service's database)")


def test_an_empty_database_of_the_kind_under_test(database_url, tmp_path):
    url = _empty_database(database_url, tmp_path)
    line = _one_line(_run(url, tmp_path, "cycle", "list"))
    shown = make_url(url).render_as_string(hide_password=True)
    assert line.startswith(f"Error: the database {shown} has not been set up: run "
                           "`feedback360 db upgrade`")
    # and once upgraded, the same command works
    upgraded = _run(url, tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    listed = _run(url, tmp_path, "cycle", "list")
    assert listed.returncode == 0 and listed.stdout == "", listed.stderr


def test_a_database_behind_the_migrations_says_to_upgrade(database_url, tmp_path):
    url = _empty_database(database_url, tmp_path)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret-key",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        upgrade("0007")
        db.engine.dispose()
    line = _one_line(_run(url, tmp_path, "cycle", "list"))
    assert "is at revision 0007, behind this version's" in line
    assert line.endswith(": run `feedback360 db upgrade`")


def test_an_unreachable_database_names_the_setting(tmp_path):
    url = "postgresql+psycopg://nobody:secret-pw@127.0.0.1:9/none?connect_timeout=2"
    line = _one_line(_run(url, tmp_path, "cycle", "list"))
    assert line.startswith("Error: cannot open the database postgresql+psycopg://nobody:***@")
    assert "check DATABASE_URL" in line and "secret-pw" not in line
