"""The work the queue does, each in its own app context and transaction.

Functions here are plain so tests and the CLI can call them; `register` binds them to an app's
huey instance as tasks and periodic tasks."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from flask import Flask
from huey import Huey, RedisHuey, crontab
from sqlalchemy import select, update

from service.db import db, erase_residue
from service.errors import DomainError

log = logging.getLogger(__name__)

# A relay run stops taking new batches after this long, so the next minute's run can start.
RELAY_BUDGET_SECONDS = 50
RELAY_LOCK_SECONDS = 300


def relay_until_done(batch_size: int = 500, budget: float = RELAY_BUDGET_SECONDS) -> int:
    """Relay batches until nothing is due (or the budget is spent); returns messages sent."""
    from flask import current_app

    from service.outbox.operations import Pacer, relay_outbox

    pacer = Pacer(current_app.config["MAIL_RATE_PER_MINUTE"])
    started = time.monotonic()
    sent = 0
    forgotten = 0
    while time.monotonic() - started < budget:
        counts = relay_outbox(batch_size, pacer=pacer, erase=False)
        sent += counts.sent
        forgotten += counts.forgotten
        if counts.sent + counts.failed + counts.retrying == 0:
            break
    if forgotten:  # once per run, not per batch: a VACUUM or checkpoint is not free
        erase_residue(db.engine)
    return sent


def send_reminders(today: dt.date | None = None) -> int:
    """Queue due reminders for every open cycle, one cycle per transaction."""
    from service.cycles.models import Cycle, CycleState
    from service.nominations.invitations import queue_reminders

    today = today or dt.date.today()
    queued = 0
    for cycle_id in db.session.scalars(select(Cycle.id).where(Cycle.state == CycleState.OPEN)):
        cycle = db.session.get(Cycle, cycle_id)
        queued += queue_reminders(cycle, today)
        db.session.commit()
    return queued


def advance_cycles(today: dt.date | None = None) -> list[str]:
    """Launch scheduled cycles on their opening date; close open ones after their closing date."""
    from service.cycles import operations
    from service.cycles.models import Cycle, CycleState

    today = today or dt.date.today()
    done = []
    due = db.session.execute(select(Cycle.id, Cycle.state).where(
        ((Cycle.state == CycleState.DRAFT) & Cycle.auto_launch & (Cycle.opens_on <= today))
        | ((Cycle.state == CycleState.OPEN) & Cycle.auto_close & (Cycle.closes_on < today)))).all()
    for cycle_id, state in due:
        cycle = db.session.get(Cycle, cycle_id)
        try:
            if state == CycleState.DRAFT:
                operations.launch(cycle)
                done.append(f"launched cycle {cycle_id}")
            else:
                operations.close(cycle)
                done.append(f"closed cycle {cycle_id}")
            db.session.commit()
        except DomainError as exc:  # e.g. nobody nominated yet: HR sees it in `cycle status`
            db.session.rollback()
            log.warning("cycle %s not advanced: %s", cycle_id, exc)
    return done


def wake_relay() -> bool:
    """After a commit that wrote outbox rows, ask the worker to relay now rather than within
    the minute. Failing to reach the queue loses nothing: the periodic relay sends them."""
    from flask import current_app

    try:
        current_app.extensions["tasks"].relay()
    except Exception as exc:  # the queue being down must not undo a committed launch
        log.warning("could not queue a relay (%s); the periodic relay will send the mail",
                    exc.__class__.__name__)
        return False
    return True


def wake_webhooks() -> bool:
    """After a commit that wrote webhook deliveries, ask the worker to send them now rather
    than within the minute; the queue being down loses nothing (the periodic run sends them)."""
    from flask import current_app

    try:
        current_app.extensions["tasks"].deliver_webhooks()
    except Exception as exc:
        log.warning("could not queue webhook deliveries (%s); the periodic run will send them",
                    exc.__class__.__name__)
        return False
    return True


def deliver_webhooks() -> int:
    from service.webhooks.delivery import deliver_until_done

    return deliver_until_done(RELAY_BUDGET_SECONDS)


def forget_old(now: dt.datetime | None = None) -> int:
    """Nightly: API writes' saved answers older than IDEMPOTENCY_DAYS and finished webhook
    deliveries older than WEBHOOK_DELIVERY_DAYS, so neither table grows without end. Returns
    the rows deleted."""
    from flask import current_app
    from sqlalchemy import delete

    from service.api.models import IdempotentAnswer
    from service.db import utcnow
    from service.outbox.models import OutboxStatus
    from service.webhooks.models import WebhookDelivery

    now = now or utcnow()
    config = current_app.config
    answers = db.session.execute(delete(IdempotentAnswer).where(
        IdempotentAnswer.created_at < now - dt.timedelta(days=config["IDEMPOTENCY_DAYS"])))
    deliveries = db.session.execute(delete(WebhookDelivery).where(
        WebhookDelivery.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
        WebhookDelivery.created_at
        < now - dt.timedelta(days=config["WEBHOOK_DELIVERY_DAYS"])))
    db.session.commit()
    return answers.rowcount + deliveries.rowcount


def render_report(report_id: int) -> bool:
    """Render one queued report version and store it (a task: one per report, so worker
    processes render a cycle's reports in parallel). The claim is committed first, so another
    task for the same version skips it, and a worker killed mid-render leaves a claim whose
    lease (REPORT_RENDER_LEASE) runs out, after which `recover_reports` queues it again."""
    from flask import current_app

    from service.reports.models import Report, ReportStatus
    from service.reports.operations import claim_report, render_claimed

    renderer = claim_report(report_id, current_app.config["REPORT_RENDER_LEASE"])
    db.session.commit()
    if renderer is None:  # rendered, superseded, or another task is rendering it
        return False
    try:
        done = render_claimed(report_id, renderer)
        db.session.commit()
        return done
    except Exception as exc:  # keep the reason where HR sees it (`report status`), not a trace
        db.session.rollback()
        db.session.execute(
            update(Report).where(Report.id == report_id, Report.status == ReportStatus.QUEUED,
                                 Report.renderer == renderer)
            .values(status=ReportStatus.FAILED, renderer=None,
                    error=f"rendering failed ({exc.__class__.__name__}); see the worker's log")
            .execution_options(synchronize_session=False))
        db.session.commit()
        log.error("report %s failed to render: %s", report_id, exc.__class__.__name__)
        return False


def recover_reports() -> int:
    """Queue again the report versions left queued or rendering past their lease (a periodic
    job, and once when the worker starts), so a killed worker never blocks a release."""
    from flask import current_app

    from service.reports.operations import requeue_stranded

    ids = requeue_stranded(current_app.config["REPORT_RENDER_LEASE"])
    db.session.commit()  # then the versions go to the queue (registered by requeue_stranded)
    return len(ids)


def wake_reports(ids: list[int]) -> int:
    """After a commit that queued report versions, give each to the task queue. If the queue
    cannot be reached they stay queued, and `feedback360 report generate` queues them again."""
    from flask import current_app

    try:
        for report_id in ids:
            current_app.extensions["tasks"].render_report(report_id)
    except Exception as exc:
        log.warning("could not queue reports (%s); run `feedback360 report generate`",
                    exc.__class__.__name__)
        return 0
    return len(ids)


def render_plan_report(plan_id: int) -> bool:
    """Render a leader's released report with their action plan appended (on request)."""
    from service.plans.operations import render_plan_report as render

    done = render(plan_id)
    db.session.commit()
    return done


def _in_app(app: Flask, func: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    run.__name__ = func.__name__
    run.__qualname__ = func.__qualname__
    return run


def register(app: Flask, huey: Huey) -> SimpleNamespace:
    """Bind the jobs to this app's huey: `relay`, `deliver_webhooks` and `render_report` on
    demand (after a launch, a close), and periodic relay, webhook delivery and report recovery
    (every minute), reminders (hourly), cycle dates (hourly, at minute 5) and forgetting old
    API answers and webhook deliveries (nightly)."""
    relay = _in_app(app, relay_until_done)
    reminders = _in_app(app, send_reminders)
    cycles = _in_app(app, advance_cycles)
    report = _in_app(app, render_report)
    recovery = _in_app(app, recover_reports)
    plan_report = _in_app(app, render_plan_report)
    webhooks = _in_app(app, deliver_webhooks)
    clean_up = _in_app(app, forget_old)

    @huey.on_startup()
    def fresh_connections() -> None:  # a forked worker must not share the parent's sockets
        with app.app_context():
            db.engine.dispose(close=False)

    @huey.on_startup()
    def ready_to_render() -> None:  # fonts loaded once; each report in a child of this warm process
        from service.reports.pdf import prepare_renderer

        prepare_renderer(isolate=True)

    # The lock only saves work and keeps MAIL_RATE_PER_MINUTE whole (the outbox's leases
    # already stop double sending). On Redis its time limit frees it if a worker is killed while
    # holding it; huey's SQLite storage has no time limits, and there the consumer's start-up
    # (flush_locks) frees a lock its killed predecessor left.
    lock_ttl = RELAY_LOCK_SECONDS if isinstance(huey, RedisHuey) else None

    def locked_relay() -> int:
        with huey.lock_task("outbox-relay", ttl=lock_ttl):
            return relay()

    def locked_webhooks() -> int:
        with huey.lock_task("webhook-delivery", ttl=lock_ttl):
            return webhooks()

    return SimpleNamespace(
        relay=huey.task(name="relay")(_quiet_when_locked(locked_relay)),
        relay_periodic=huey.periodic_task(crontab(minute="*"), name="relay_periodic")(
            _quiet_when_locked(locked_relay)),
        reminders=huey.periodic_task(crontab(minute="0"), name="reminders")(reminders),
        cycle_dates=huey.periodic_task(crontab(minute="5"), name="cycle_dates")(cycles),
        deliver_webhooks=huey.task(name="deliver_webhooks")(_quiet_when_locked(locked_webhooks)),
        webhooks_periodic=huey.periodic_task(crontab(minute="*"), name="webhooks_periodic")(
            _quiet_when_locked(locked_webhooks)),
        render_report=huey.task(name="render_report")(report),
        recover_reports=huey.task(name="recover_reports")(recovery),
        render_plan_report=huey.task(name="render_plan_report")(plan_report),
        report_recovery=huey.periodic_task(crontab(minute="*"), name="report_recovery")(
            recovery),
        forget_old=huey.periodic_task(crontab(hour="3", minute="40"), name="forget_old")(
            clean_up),
        **_directory_sync_jobs(app, huey),
    )


def _directory_sync_jobs(app: Flask, huey: Huey) -> dict[str, Any]:
    """Incremental directory sync every 15 minutes and a full one nightly, when LDAP_URL is set
    and LDAP_SYNC_TASKS is on (service/directory/tasks.py)."""
    from service.directory.tasks import register_directory_sync

    return register_directory_sync(app, huey)


def _quiet_when_locked(func: Callable[[], int]) -> Callable[[], int]:
    """Another relay already running is the normal case, not an error."""
    from huey.exceptions import TaskLockedException

    def run() -> int:
        try:
            return func()
        except TaskLockedException:
            return 0

    run.__name__ = func.__name__
    return run
