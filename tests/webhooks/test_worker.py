"""After the commit, the worker's queue gets a `deliver_webhooks` task that delivers; the
periodic run catches what a lost wake-up missed. SQLite queue, and Redis when TEST_REDIS_URL
is set."""

from __future__ import annotations

import datetime as dt
import json

from service.audit.operations import Actor, acting_as
from service.db import db
from service.webhooks import endpoints
from tests.factories import draft_cycle, team
from tests.tasks.test_queue import queue_url  # noqa: F401 (a fixture)
from tests.webhooks.receiver import receiver


def test_a_launch_queues_a_delivery_task_that_a_worker_runs(make_app, queue_url):  # noqa: F811
    app = make_app(WEBHOOKS_ALLOW_PRIVATE=True, TASK_QUEUE_URL=queue_url)
    with app.app_context(), receiver() as server:
        with acting_as(Actor("test admin")):
            endpoints.create_endpoint(server.url, "Worker receiver", ["cycle.launched"])
        cycle = draft_cycle(team())
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["cycle", "launch", str(cycle.id)])
        assert result.exit_code == 0, result.output
        assert server.received == []  # the command itself sends nothing
        huey = app.extensions["huey"]
        tasks = {}
        while huey.pending_count():
            task = huey.dequeue()
            tasks[task.name] = task
        assert {"relay", "deliver_webhooks"} <= set(tasks)
        assert huey.execute(tasks["deliver_webhooks"]) == 1
        [got] = server.received
        assert json.loads(got.body)["data"] == {"cycle_id": cycle.id}


def test_webhooks_are_delivered_every_minute(app):
    periodic = {task.name: task for task in app.extensions["huey"]._registry.periodic_tasks}
    at = dt.datetime(2026, 11, 23, 9, 0)
    assert all(periodic["webhooks_periodic"].validate_datetime(at.replace(minute=m))
               for m in (0, 1, 37))
