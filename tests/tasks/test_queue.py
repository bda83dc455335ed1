"""The task queue for real: SQLite by default, Redis when TEST_REDIS_URL is set (CI sets it)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select, update

from service.cycles import operations
from service.db import db
from service.outbox.models import OutboxMessage, OutboxStatus
from service.tasks.jobs import relay_until_done
from service.tasks.queue import make_huey
from tests.factories import draft_cycle, team
from tests.smtp_server import ALLOWED_PORTS, Inbox, SMTPServer
from tests.web.helpers import full_answers, post_form

QUEUES = ["sqlite", *(["redis"] if os.environ.get("TEST_REDIS_URL") else [])]


@pytest.fixture(params=QUEUES)
def queue_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tasks.sqlite'}"
    import redis

    url = os.environ["TEST_REDIS_URL"]
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


def _mail_app(make_app: Any, smtp: SMTPServer, queue_url: str, **extra: Any) -> Any:
    return make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port,
                    TASK_QUEUE_URL=queue_url, **extra)


def test_a_launch_queues_a_relay_that_a_worker_runs(make_app, smtp, queue_url):
    app = _mail_app(make_app, smtp, queue_url)
    with app.app_context():
        cycle = draft_cycle(team())
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["cycle", "launch", str(cycle.id)])
        assert result.exit_code == 0, result.output
        assert smtp.inbox.messages == []  # the command itself never talks to SMTP
        huey = app.extensions["huey"]
        assert huey.pending_count() == 1
        task = huey.dequeue()
        assert task.name == "relay"
        assert huey.execute(task) == 9
        assert len(smtp.inbox.messages) == 9 and huey.pending_count() == 0


def test_the_periodic_jobs_run_when_they_should(app):
    periodic = {task.name: task for task in app.extensions["huey"]._registry.periodic_tasks}
    at = dt.datetime(2026, 11, 23, 9, 0)

    def runs(name: str, minute: int) -> bool:
        return periodic[name].validate_datetime(at.replace(minute=minute))

    assert all(runs("relay_periodic", m) for m in (0, 1, 37))
    assert runs("reminders", 0) and not runs("reminders", 30)
    assert runs("cycle_dates", 5) and not runs("cycle_dates", 0)


def test_a_bad_queue_url_is_named():
    with pytest.raises(ValueError, match="TASK_QUEUE_URL must be sqlite:///PATH or redis://"):
        make_huey("amqp://localhost", "unused")


class KillingInbox(Inbox):
    """Kills the worker while it waits for the server to accept the n-th message."""

    def __init__(self, kill_at: int) -> None:
        super().__init__()
        self.kill_at = kill_at
        self.worker_pid: int | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.kill_at and self.worker_pid:
            os.kill(self.worker_pid, signal.SIGKILL)
        return reply


def test_a_worker_killed_mid_batch_repeats_at_most_one_message(make_app, base_config,
                                                                 queue_url, tmp_path):
    inbox = KillingInbox(kill_at=5)
    with SMTPServer(inbox) as smtp:
        app = _mail_app(make_app, smtp, queue_url)
        env = {**os.environ, "DATABASE_URL": base_config["DATABASE_URL"],
               "INSTANCE_PATH": str(tmp_path / "worker"), "SECRET_KEY": base_config["SECRET_KEY"],
               "BASE_URL": base_config["BASE_URL"], "MAIL_BACKEND": "smtp",
               "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
               "TASK_QUEUE_URL": queue_url}
        with app.app_context():
            cycle = draft_cycle(team())
            db.session.commit()
            assert app.test_cli_runner().invoke(
                args=["cycle", "launch", str(cycle.id)]).exit_code == 0
            worker = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "worker", "--workers", "1",
                 "--no-periodic"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            inbox.worker_pid = worker.pid
            assert worker.wait(timeout=120) == -signal.SIGKILL

            sent = db.session.scalar(select(db.func.count()).where(
                OutboxMessage.status == OutboxStatus.SENT))
            assert sent == 4  # the fifth was accepted, but the worker died before marking it
            # Time passes: the dead worker's lease on its batch runs out.
            db.session.execute(update(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.PENDING).values(
                next_attempt_at=dt.datetime(2000, 1, 1)))
            db.session.commit()
            assert relay_until_done() == 5
        received = Counter(message["To"] for message in inbox.messages)
    assert len(received) == 9  # nobody lost
    assert sum(received.values()) == 10  # one message twice, the one in flight


def test_the_web_process_never_talks_to_smtp(make_app):
    """Every rating page, with mail waiting in the outbox and SMTP configured: nothing connects
    to the mail server (a listening socket whose backlog must stay empty); the mail waits."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        ALLOWED_PORTS.add(port)  # a connection would succeed: the check below must catch it
        app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        with app.app_context():
            cycle = draft_cycle(team())
            tokens = operations.launch(cycle)
            db.session.commit()
            client = app.test_client()
            first, second, third = list(tokens.values())[:3]
            rubric = cycle.rubric_snapshot
            assert client.get("/").status_code == 200
            assert client.get(f"/r/{first}").status_code == 200
            assert post_form(client, f"/r/{first}", {}, "save").status_code == 302
            assert post_form(client, f"/r/{first}", full_answers(rubric), "submit"
                             ).status_code == 302
            assert client.get(f"/r/{second}/decline").status_code == 200
            assert post_form(client, f"/r/{second}", {}, "decline").status_code == 302
            assert post_form(client, f"/r/{third}", {}, "submit").status_code == 422
            assert client.get("/r/" + "x" * 43).status_code == 404
            rows = db.session.scalars(select(OutboxMessage)).all()
            assert len(rows) == 9
            assert {(m.status, m.attempts) for m in rows} == {(OutboxStatus.PENDING, 0)}
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
