"""Staff pages bench: the HR console's progress page of a cycle of 2,000 leaders and 16,000
invitations on PostgreSQL, requested through the Flask test client signed in as HR.

What it measures, in one run, for each cohort size (200 and 2,000 leaders by default), on a
freshly reset and migrated PostgreSQL database:

* setup, not timed: people and a cycle bulk-built by bench/launch.py's `build_cycle` with 8
  raters per leader (self, manager, 3 direct reports, 3 peers), launched by the launch
  operation, then a spread of answers (about 45% submitted, 5% declined, through UPDATEs) and
  1% of invitation emails failed, then VACUUM ANALYZE; an HR officer with a local account
  signs in through the sign-in form;
* the page: GET /hr/cycles/<id>/progress, `--warm` requests first, then `--requests` timed
  ones: median and p95 wall time of the whole request (routing, session, sign-in check, the
  read model, the template), and the number of SQL statements the request sent;
* the baseline, in the same run: the very statements and parameters the page sent (captured
  from its last request), replayed through the psycopg connection alone, timed the same way:
  what the database and the driver cost without the service around them.

Goal (docs/DESIGN "Numbers"): p95 <= 150 ms at 2,000 leaders, and a number of queries that
does not grow with the number of leaders.

Run from the repository root:

    .venv/bin/python bench/web_pages.py [--leaders 200,2000] [--requests 100] [--warm 10]
        [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, text, update  # noqa: E402

import bench.launch as launch_bench  # noqa: E402
from bench.databases import reset_postgres  # noqa: E402
from service.app import create_app  # noqa: E402
from service.cycles import operations  # noqa: E402
from service.db import db  # noqa: E402
from service.migrations.cli import upgrade  # noqa: E402
from service.nominations.models import Invitation, InvitationStatus  # noqa: E402
from service.outbox.models import OutboxMessage, OutboxStatus  # noqa: E402
from service.people.models import Person  # noqa: E402
from service.staff.operations import create_account  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_issue11"
GOAL_P95_MS = 150.0
PASSWORD = "a long bench password"  # noqa: S105 (a throwaway account in a bench database)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def build(leaders: int) -> int:
    """bench/launch.py's people and cycle with 8 raters per leader, launched, some answered."""
    launch_bench.REPORTS_PER_LEADER = 3
    launch_bench.PEERS_PER_LEADER = 3
    cycle_id = launch_bench.build_cycle(leaders, random.Random(launch_bench.SEED))
    operations.launch(operations.get_cycle(cycle_id))
    db.session.commit()
    ids = list(db.session.scalars(select(Invitation.id).order_by(Invitation.id)))
    rng = random.Random(11)
    submitted = [i for i in ids if rng.random() < 0.45]
    declined = [i for i in ids if i not in set(submitted) and rng.random() < 0.09]
    for chosen, status in ((submitted, InvitationStatus.SUBMITTED),
                           (declined, InvitationStatus.DECLINED)):
        db.session.execute(update(Invitation).where(Invitation.id.in_(chosen))
                           .values(status=status, sealed_token=None)
                           .execution_options(synchronize_session=False))
    failed = [i for i in ids if rng.random() < 0.01]
    db.session.execute(update(OutboxMessage).where(OutboxMessage.invitation_id.in_(failed))
                       .values(status=OutboxStatus.FAILED, last_error="550 no such user")
                       .execution_options(synchronize_session=False))
    officer = Person(directory_id="bench-hr", email="hr@trust.example",
                     display_name="Bench Officer", given_name="Bench", family_name="Officer")
    db.session.add(officer)
    db.session.flush()
    create_account(officer, ("hr",), PASSWORD)
    db.session.commit()
    launch_bench.analyze()
    return cycle_id


def signed_in_client(app: Any, email: str = "hr@trust.example") -> Any:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = CSRF.search(page)
    launch_bench.check(token is not None, "the sign-in page has a CSRF token")
    assert token is not None
    done = client.post("/sign-in", data={"email": email, "password": PASSWORD,
                                         "csrf_token": token.group(1)})
    launch_bench.check(done.status_code == 302, f"sign-in answered {done.status_code}")
    return client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(app: Any, cycle_id: int, warm: int, requests: int) -> dict[str, Any]:
    result, html = time_page(app, signed_in_client(app), f"/hr/cycles/{cycle_id}/progress",
                             warm, requests)
    launch_bench.check(html.count('class="nhsuk-table__row" role="row"') > 0, "rows shown")
    return result


def time_page(app: Any, client: Any, url: str, warm: int,
              requests: int) -> tuple[dict[str, Any], str]:
    """A page's median and p95 through the app, the most SQL statements one request sent, and
    the same statements replayed through the driver alone (the baseline); and its HTML."""
    statements: list[tuple[str, Any]] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              executemany: bool) -> None:
        statements.append((statement, parameters))

    for _ in range(warm):
        launch_bench.check(client.get(url).status_code == 200, f"{url} answered")
    times = []
    per_request = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(requests):
            statements.clear()
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            launch_bench.check(response.status_code == 200, f"answered {response.status_code}")
            per_request.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    replay = list(statements)
    html = response.get_data(as_text=True)
    baseline = []
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.driver_connection.cursor()
            for _ in range(warm):
                for statement, parameters in replay:
                    cursor.execute(statement, parameters).fetchall()
            for _ in range(requests):
                start = time.perf_counter()
                for statement, parameters in replay:
                    cursor.execute(statement, parameters).fetchall()
                baseline.append((time.perf_counter() - start) * 1000)
            raw.driver_connection.rollback()
        finally:
            raw.close()
    return {"median": statistics.median(times), "p95": percentile(times, 0.95),
            "queries": max(per_request), "base_median": statistics.median(baseline),
            "base_p95": percentile(baseline, 0.95), "bytes": len(html)}, html


def run(url: str, leaders: int, warm: int, requests: int, workdir: Path) -> dict[str, Any]:
    reset_postgres(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(workdir / f"l{leaders}"),
                      "SECRET_KEY": "bench-secret-key", "BASE_URL": "https://feedback.example",
                      "MAIL_BACKEND": "file", "RATELIMIT_STORAGE_URI": "memory://",
                      "TASK_QUEUE_URL": f"sqlite:///{workdir / f'l{leaders}' / 'tasks.sqlite'}"})
    with app.app_context():
        upgrade()
        cycle_id = build(leaders)
        invitations = db.session.scalar(select(func.count(Invitation.id)))
        version = db.session.scalar(text("SHOW server_version"))
        db.session.remove()
    result = measure(app, cycle_id, warm, requests)
    with app.app_context():
        db.engine.dispose()
    return {"leaders": leaders, "invitations": invitations, "postgres": version, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaders", default="200,2000")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warm", type=int, default=10)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES_URL))
    args = parser.parse_args()
    sizes = [int(size) for size in args.leaders.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        results = [run(args.postgres_url, size, args.warm, args.requests, Path(folder))
                   for size in sizes]
    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"Python {platform.python_version()}, PostgreSQL {results[0]['postgres']}, "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'leaders':>8} {'invitations':>11} {'median ms':>10} {'p95 ms':>8} "
          f"{'queries':>8} {'driver median':>14} {'driver p95':>11} {'page kB':>8}")
    for r in results:
        print(f"{r['leaders']:>8} {r['invitations']:>11} {r['median']:>10.1f} {r['p95']:>8.1f} "
              f"{r['queries']:>8} {r['base_median']:>14.1f} {r['base_p95']:>11.1f} "
              f"{r['bytes'] / 1024:>8.0f}")
    largest = max(results, key=lambda r: r["leaders"])
    same = len({r["queries"] for r in results}) == 1
    print(f"goal p95 <= {GOAL_P95_MS:.0f} ms at {largest['leaders']} leaders: "
          f"{'met' if largest['p95'] <= GOAL_P95_MS else 'NOT met'} ({largest['p95']:.1f} ms, "
          f"{largest['p95'] / largest['base_p95']:.1f} x the driver alone); queries per page "
          f"{'the same' if same else 'NOT the same'} for every size")


if __name__ == "__main__":
    main()
