"""The worker's periodic directory syncs: when they are registered, when they run, what they do."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from service.db import db
from service.people.models import Person
from tests.directory.conftest import Org, synced_people
from tests.ldap_server import Slapd, app_settings

JOBS = {"directory_sync", "directory_full_sync"}


def periodic(app: Flask) -> dict[str, Any]:
    return {task.name: task for task in app.extensions["huey"]._registry.periodic_tasks}


def run_job(app: Flask, name: str) -> Any:
    """Run a periodic job as the worker would: through huey, outside any app context."""
    huey = app.extensions["huey"]
    return huey.execute(periodic(app)[name])


def people(app: Flask) -> tuple[int, int]:
    """(everyone, active), read in a fresh session: what the job committed."""
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Person))
        active = db.session.scalar(select(func.count()).select_from(Person).where(
            Person.active.is_(True)))
        return total, active


def test_registered_only_with_a_directory_and_not_when_switched_off(make_app: Any) -> None:
    assert not JOBS & periodic(make_app()).keys()  # no LDAP_URL: nothing to sync
    off = make_app(LDAP_URL="ldap://127.0.0.1:1", LDAP_SYNC_TASKS=False)
    assert not JOBS & periodic(off).keys()
    on = make_app(LDAP_URL="ldap://127.0.0.1:1")
    jobs = periodic(on)
    assert jobs.keys() >= JOBS

    at = dt.datetime(2026, 11, 23, 2, 0)
    incremental = [m for m in range(60)
                   if jobs["directory_sync"].validate_datetime(at.replace(minute=m))]
    assert incremental == [0, 15, 30, 45]
    full = [(h, m) for h in range(24) for m in range(60)
            if jobs["directory_full_sync"].validate_datetime(at.replace(hour=h, minute=m))]
    assert full == [(2, 50)]  # once a night, never at the same minute as an incremental one


def test_the_jobs_sync_and_commit(make_app: Any, directory: Slapd, org: Org) -> None:
    app = make_app(**app_settings(directory))
    first = run_job(app, "directory_sync")
    assert first["mode"] == "full" and first["created"] == synced_people()
    assert people(app) == (synced_people(), synced_people())

    directory.modify(org.staff[4], title="Charge Nurse")
    directory.delete(org.staff[5])
    second = run_job(app, "directory_sync")
    assert second["mode"] == "incremental" and second["updated"] == 1
    assert second["deactivated"] == 0  # a leaver is found by the full sync only
    nightly = run_job(app, "directory_full_sync")
    assert nightly["mode"] == "full" and nightly["deactivated"] == 1
    assert people(app) == (synced_people(), synced_people() - 1)


def test_a_failing_job_changes_nothing_and_logs_one_line(
        make_app: Any, directory: Slapd, org: Org, caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(**app_settings(directory))
    run_job(app, "directory_sync")
    for entry in org.staff[:100]:  # 100 of 1164 leave: over the 5% a sync may switch off
        directory.delete(entry)
    with caplog.at_level(logging.INFO, logger="service.directory.tasks"):
        assert run_job(app, "directory_full_sync") is None
    assert people(app) == (synced_people(), synced_people())
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].startswith("directory full sync failed, nothing changed: this sync would "
                                "deactivate 100 of 1164")

    broken = make_app(**app_settings(directory, LDAP_BIND_PASSWORD="wrong"))
    caplog.clear()
    assert run_job(broken, "directory_sync") is None
    assert "refused the password for the sync account" in caplog.text
    assert people(app) == (synced_people(), synced_people())


def test_one_sync_at_a_time(make_app: Any, directory: Slapd,
                            caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(**app_settings(directory))
    huey = app.extensions["huey"]
    with huey.lock_task("directory-sync"), caplog.at_level(logging.INFO):
        assert run_job(app, "directory_sync") is None  # as if a full sync were running
    assert "a directory sync is already running; sync_incremental skipped" in caplog.text
    assert people(app) == (0, 0)
    assert run_job(app, "directory_sync")["created"] == synced_people()
