"""Fixtures: one database per test session built through the migrations (SQLite by default,
PostgreSQL when TEST_DATABASE_URL is set), emptied after every test."""

from __future__ import annotations

import datetime as dt
import os
import smtplib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from service.app import create_app
from service.db import db
from service.migrations.cli import upgrade
from tests.smtp_server import ALLOWED_PORTS

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.staff_fixtures"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, leave out the tests marked ``own_database`` (they build their own
    SQLite database, the demo's embedded defaults, and never use TEST_DATABASE_URL) and those
    marked ``rendering`` (axe, focus and overflow checks of what a browser draws, which the
    database cannot change): running them again would repeat the SQLite pass minute for
    minute. Every page's behaviour on PostgreSQL is still tested, through the test client, the
    authorisation matrix and the browser journeys (docs/decisions.md)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    kept = [item for item in items if item.get_closest_marker("own_database") is None
            and item.get_closest_marker("rendering") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def base_config(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    instance = tmp_path_factory.mktemp("instance")
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "BASE_URL": "http://feedback.test",
        "ORGANISATION_NAME": "Test Valley NHS Trust",
        "CONTACT_EMAIL": "od@test.example",
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(instance / "mail"),
        "TOKEN_FAILURE_LIMIT": "10000 per minute",
    }


@pytest.fixture(scope="session")
def _migrated(base_config: dict[str, Any]) -> None:
    app = create_app(base_config)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture
def make_app(base_config: dict[str, Any], _migrated: None) -> Iterator[Any]:
    """Build an app with extra settings on the shared, migrated database."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app({**base_config, **overrides})
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


def _empty_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app(make_app: Any) -> Iterator[Flask]:
    application = make_app()
    with application.app_context():
        yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def _smtp_only_to_test_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that reaches SMTP without starting an aiosmtpd server (tests/smtp_server.py)
    fails, rather than mailing whatever listens on port 25."""
    connect = smtplib.SMTP.connect

    def guarded(self: smtplib.SMTP, host: str = "localhost", port: int = 0,
                source_address: Any = None) -> Any:
        if port not in ALLOWED_PORTS:
            pytest.fail(f"this test reached SMTP at {host}:{port} without a test SMTP server; "
                        "use tests.smtp_server.SMTPServer")
        return connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)


@pytest.fixture
def today() -> dt.date:
    return dt.date.today()
