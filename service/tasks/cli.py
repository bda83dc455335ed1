"""`feedback360 worker`: run the task queue's consumer (tasks and periodic jobs)."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--workers", type=int, default=None,
              help="Concurrent workers [default: TASK_WORKERS, 2].")
@click.option("--worker-type", type=click.Choice(["thread", "process"]), default=None,
              help="Threads or processes [default: TASK_WORKER_TYPE, thread].")
@click.option("--no-periodic", is_flag=True,
              help="Only run queued tasks (when another worker runs the periodic ones).")
@with_appcontext
def worker_command(workers: int | None, worker_type: str | None, no_periodic: bool) -> None:
    """Relay the outbox every minute, send reminders, open and close cycles on their dates,
    queue again reports left rendering by a worker that died, and run queued tasks. Stop with
    Ctrl-C or SIGINT (a task in progress finishes first); SIGTERM stops at once (a relay then
    repeats at most the message in flight, later)."""
    config = current_app.config
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s "
                        "%(message)s")
    if not no_periodic:  # versions stranded by a worker that was killed: at once, not in a minute
        try:
            current_app.extensions["tasks"].recover_reports()
        except Exception as exc:  # the queue unreachable: the consumer below will say so
            logging.getLogger(__name__).warning("could not queue report recovery (%s)",
                                                exc.__class__.__name__)
    consumer = current_app.extensions["huey"].create_consumer(
        workers=workers or config["TASK_WORKERS"],
        worker_type=worker_type or config["TASK_WORKER_TYPE"],
        periodic=not no_periodic,
        flush_locks=True,  # a lock left by a worker that was killed
    )
    consumer.run()
