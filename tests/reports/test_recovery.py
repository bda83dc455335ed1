"""A worker killed mid-render strands nothing: a new worker finishes the report by itself, and a
version is never rendered and stored by two workers."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import update

from service.db import db, utcnow
from service.nominations.models import RaterGroup
from service.reports.models import Report, ReportStatus
from service.reports.operations import (
    claim_report,
    current_report,
    render_claimed,
    requeue_stranded,
)
from tests.factories import launched_cycle
from tests.reports.test_release import answer


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _status(report_id: int) -> ReportStatus:
    db.session.expire_all()
    return db.session.get(Report, report_id).status


def _worker(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """`feedback360 worker --worker-type process --workers 1`, in a session of its own so the
    whole of it (consumer, worker process, renderer) can be killed at once."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "service.cli", "worker", "--worker-type", "process",
             "--workers", "1", *args], env=env, stdout=subprocess.DEVNULL, stderr=out,
            start_new_session=True)


def _wait_for(condition: Any, seconds: float, what: str, process: subprocess.Popen[bytes],
              log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {seconds} s (worker exit code "
                                 f"{process.poll()}):\n{log.read_text()[-3000:]}")
        time.sleep(0.05)  # polling another process's progress, not waiting for time to pass


def test_a_worker_killed_mid_render_is_replaced_without_any_command(make_app, base_config,
                                                                    tmp_path):
    queue = f"sqlite:///{tmp_path / 'tasks.sqlite'}"
    app = make_app(TASK_QUEUE_URL=queue)
    env = {**os.environ, "DATABASE_URL": base_config["DATABASE_URL"],
           "INSTANCE_PATH": str(tmp_path / "worker"), "SECRET_KEY": base_config["SECRET_KEY"],
           "TASK_QUEUE_URL": queue}
    lease = 1.0  # the second worker's REPORT_RENDER_LEASE: drives time through the lease
    with app.app_context():
        cycle, _, _ = launched_cycle()
        answer(cycle, RaterGroup.DIRECT_REPORT, 3)
        assert app.test_cli_runner().invoke(args=["cycle", "close", str(cycle.id)]).exit_code == 0
        report_id = current_report(cycle.subjects[0]).id

        first_log = tmp_path / "first.log"
        first = _worker(env, first_log, "--no-periodic")
        try:
            # Mid-render: the task has started and its worker process has forked the renderer.
            _wait_for(lambda: "jobs.render_report: " in first_log.read_text()
                      and any(_children(child) for child in _children(first.pid)), 120,
                      "renderer process", first, first_log)
            os.killpg(first.pid, signal.SIGKILL)
            killed_at = time.monotonic()
        finally:
            first.wait(30)
        assert first.returncode == -signal.SIGKILL
        assert _status(report_id) == ReportStatus.QUEUED  # stranded, as `cycle release` sees it

        while time.monotonic() < killed_at + lease:  # the dead worker's claim ages past it
            time.sleep(0.05)
        second_log = tmp_path / "second.log"
        second = _worker({**env, "REPORT_RENDER_LEASE": str(lease)}, second_log)
        try:
            _wait_for(lambda: _status(report_id) == ReportStatus.READY, 180, "rendered report",
                      second, second_log)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(30)
        report = db.session.get(Report, report_id)
        assert report.pages >= 10 and report.renderer is None
        assert "queued again" in second_log.read_text()
        assert app.test_cli_runner().invoke(
            args=["cycle", "release", str(cycle.id)]).exit_code == 0


def test_a_version_is_claimed_by_one_task_and_stored_once(app):
    cycle, _, _ = launched_cycle()
    answer(cycle, RaterGroup.DIRECT_REPORT, 3)
    assert app.test_cli_runner().invoke(args=["cycle", "close", str(cycle.id)]).exit_code == 0
    report = current_report(cycle.subjects[0])
    start = utcnow()
    later = start + dt.timedelta(seconds=10)

    first = claim_report(report.id, 600, now=start)
    assert first is not None
    assert claim_report(report.id, 600, now=later) is None  # being rendered: hands off
    assert requeue_stranded(600, now=later) == []  # within its lease: nothing stranded
    db.session.commit()

    # The first renderer went quiet for longer than the lease: the version is queued again,
    # a second task claims it, and the first one's late PDF is not stored.
    past_lease = start + dt.timedelta(seconds=601)
    assert requeue_stranded(600, now=past_lease) == [report.id]
    second = claim_report(report.id, 600, now=past_lease)
    assert second not in (None, first)
    db.session.commit()
    assert render_claimed(report.id, first) is False
    assert _status(report.id) == ReportStatus.QUEUED
    assert render_claimed(report.id, second) is True
    db.session.commit()
    assert _status(report.id) == ReportStatus.READY
    assert claim_report(report.id, 600, now=past_lease + dt.timedelta(days=1)) is None


def test_versions_queued_before_leases_existed_are_recovered(app):
    cycle, _, _ = launched_cycle()
    answer(cycle, RaterGroup.DIRECT_REPORT, 3)
    assert app.test_cli_runner().invoke(args=["cycle", "close", str(cycle.id)]).exit_code == 0
    report = current_report(cycle.subjects[0])
    db.session.execute(update(Report).values(leased_at=None))  # as migration 0007 leaves them
    assert requeue_stranded(600) == [report.id]
    # handed to the task queue once this is committed
    assert "render-stranded-reports" in db.session.info["after_commit"]
