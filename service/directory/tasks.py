"""Directory sync as periodic jobs of the task queue: incremental every 15 minutes, full nightly.

Registered only when LDAP_URL is set and LDAP_SYNC_TASKS is on (the default), so a site without
a directory, or one that runs `feedback360 directory sync` from cron, gets no surprise syncs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, crontab
from huey.exceptions import TaskLockedException

from integrations.ldap.client import DirectoryError
from integrations.ldap.settings import DirectoryConfigError, settings_from_config
from service.audit.operations import record
from service.db import after_commit, db, utcnow
from service.directory.sync import sync_directory

log = logging.getLogger(__name__)

INCREMENTAL_EVERY = crontab(minute="*/15")
# Nightly, at a minute the incremental runs never use (huey's clock is UTC).
FULL_AT = crontab(hour="2", minute="50")
LOCK_SECONDS = 3600
#: Where the last failed sync's reason is kept (huey's key-value storage: the sync's own
#: transaction rolled back, so the database keeps nothing of it); a good sync removes it.
LAST_ERROR_KEY = "directory-sync-last-error"


def run_sync(full: bool) -> dict[str, Any] | None:
    """One sync, committed on success; on failure nothing changes and one line is logged.

    The worker never passes --allow-mass-deactivation: a sync that stops there waits for a
    person to look (`feedback360 directory sync --full --dry-run`)."""
    kind = "full" if full else "incremental"
    try:
        report = sync_directory(settings_from_config(current_app.config), full=full)
        db.session.commit()
    except (DirectoryError, DirectoryConfigError) as exc:
        db.session.rollback()
        log.error("directory %s sync failed, nothing changed: %s", kind, exc)
        _keep_error({"at": utcnow().isoformat(timespec="seconds"), "kind": kind,
                     "error": str(exc)})
        return None
    _keep_error(None)
    log.info("directory %s sync (%s): %s", report.mode, report.reason, report.counts)
    return report.as_dict()


def _huey() -> Huey | None:
    return current_app.extensions.get("huey")


def _keep_error(error: dict[str, str] | None) -> None:
    huey = _huey()
    if huey is None:
        return
    huey.get(LAST_ERROR_KEY)  # reading removes it
    if error is not None:
        huey.put(LAST_ERROR_KEY, error)


def last_error() -> dict[str, str] | None:
    """The last failed sync (when, which kind, the reason in words), or None after a good one."""
    huey = _huey()
    return huey.get(LAST_ERROR_KEY, peek=True) if huey is not None else None


def sync_available() -> bool:
    """Whether this service syncs a directory through its worker (LDAP_URL, LDAP_SYNC_TASKS)."""
    return bool(current_app.extensions.get("tasks")
                and getattr(current_app.extensions["tasks"], "directory_sync", None))


def request_sync() -> None:
    """HR's "sync now": queue an incremental sync for the worker, after the commit, with one
    audit row in the caller's transaction (the sync itself records what it changed)."""
    task = current_app.extensions["tasks"].directory_sync
    record("directory.sync_request", "people", None, "directory sync requested")
    after_commit(task, key="directory-sync-request")


def sync_incremental() -> dict[str, Any] | None:
    """The periodic incremental sync (a full one when the watermark cannot be trusted)."""
    return run_sync(full=False)


def sync_full() -> dict[str, Any] | None:
    """The nightly full sync: the one that finds leavers."""
    return run_sync(full=True)


def register_directory_sync(app: Flask, huey: Huey) -> dict[str, Any]:
    """The periodic sync tasks for this app's huey, or none when they are off."""
    if not (app.config.get("LDAP_URL") and app.config.get("LDAP_SYNC_TASKS")):
        return {}
    # One sync at a time: while a long full sync runs, an incremental one is skipped. On Redis
    # the lock expires if a worker dies holding it; on SQLite the worker's start frees it.
    lock_ttl = LOCK_SECONDS if isinstance(huey, RedisHuey) else None

    def job(func: Callable[[], dict[str, Any] | None]) -> Callable[[], dict[str, Any] | None]:
        def run() -> dict[str, Any] | None:
            try:
                with huey.lock_task("directory-sync", ttl=lock_ttl), app.app_context():
                    try:
                        return func()
                    finally:
                        db.session.remove()
            except TaskLockedException:
                log.info("a directory sync is already running; %s skipped", func.__name__)
                return None

        run.__name__ = func.__name__
        return run

    return {
        "directory_sync": huey.periodic_task(INCREMENTAL_EVERY, name="directory_sync")(
            job(sync_incremental)),
        "directory_full_sync": huey.periodic_task(FULL_AT, name="directory_full_sync")(
            job(sync_full)),
    }
