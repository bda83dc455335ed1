"""Cycle launch bench: how long `feedback360 cycle launch` takes to create and queue 100,000
invitations, against a bare bulk load of the same rows through the database driver.

What it measures, in one run, for SQLite (a fresh file) and PostgreSQL (its database created if
missing, schema public dropped and recreated), each freshly migrated:

* setup, not timed as a figure: 51,000 people (10,000 leaders, their 1,000 managers and 40,000
  direct reports; about 10% Welsh, a third with no preferred language), one draft cycle with
  the 10,000 leaders as subjects and 10 nominations each (self, manager, 4 direct reports, 4
  peers who are other leaders), all bulk-inserted, then ANALYZE (as autovacuum would have);
* the baseline: the same number of invitation rows and outbox rows, with values of the same
  sizes prepared beforehand (a 64-character hash, a real-sized sealed token, a JSON context of
  the same length), written through the driver the fastest way it has: COPY on PostgreSQL
  (psycopg), one executemany INSERT on SQLite (sqlite3), then committed. The tables keep all
  their indexes and foreign keys. Both are then emptied (and vacuumed) so the launch starts
  from the same state;
* the launch: `feedback360 cycle launch ID` through Click's test runner, so the figure is the
  whole command: load the cycle, check it, freeze the rubric, one token, hash and sealed token
  per invitation, the invitation and outbox rows, the commit, and the relay task queued on the
  task queue (huey on SQLite in a temporary directory), split into phases: writing the
  invitations (tokens, hashes and seals made as the rows stream), the emails' INSERT … SELECT,
  and the rest. It then checks that exactly N invitations and N outbox emails exist and one
  relay task is queued.

Goal (docs/DESIGN "Numbers"): 100,000 invitations created and queued in <= 10 s on PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/launch.py [--leaders 10000] [--postgres-url URL] [--skip-postgres]
        [--skip-sqlite] [--profile]

--profile runs the launch under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import platform
import pstats
import random
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, insert, select, text  # noqa: E402

from bench.databases import reset_postgres  # noqa: E402
from service.app import create_app  # noqa: E402
from service.cycles import operations  # noqa: E402
from service.cycles.models import Subject  # noqa: E402
from service.db import db, utcnow  # noqa: E402
from service.migrations.cli import upgrade  # noqa: E402
from service.nominations import invitations  # noqa: E402
from service.nominations.invitations import cycle_context  # noqa: E402
from service.nominations.models import (  # noqa: E402
    Invitation,
    Nomination,
    RaterGroup,
)
from service.outbox.models import OutboxMessage  # noqa: E402
from service.people.models import Person  # noqa: E402
from service.sealing import seal  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_issue4"
RATERS_PER_LEADER = 10  # self, manager, 4 direct reports, 4 peers
REPORTS_PER_LEADER = 4
PEERS_PER_LEADER = 4
LEADERS_PER_MANAGER = 10
GOAL_SECONDS = 10.0
SEED = 360
GIVEN = ["Siân", "Dafydd", "Gwenllïan", "Owain", "Mary", "Priya", "Ŵyn"]
FAMILY = ["Jones", "Llŷr", "O'Brien", "Williams", "Nguyen", "Ap-Rhys"]


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"bench check failed: {message}")


# -- setup -----------------------------------------------------------------------------------

def _people_rows(prefix: str, count: int, rng: random.Random,
                 managers: list[int] | None = None) -> list[dict[str, Any]]:
    now = utcnow()
    rows = []
    for i in range(count):
        roll = rng.random()
        language = "cy" if roll < 0.1 else (None if roll < 0.43 else "en")
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)} {prefix}{i}"
        rows.append({"directory_id": f"{prefix}-{i:06d}", "source": "file",
                     "email": f"{prefix}.{i}@trust.example", "display_name": name,
                     "given_name": name.split()[0], "family_name": name.split()[1],
                     "title": "", "department": "Bench", "language": language,
                     "manager_id": managers[i // LEADERS_PER_MANAGER] if managers else None,
                     "active": True, "created_at": now, "updated_at": now})
    return rows


def _insert_ids(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert, returning the new ids in the rows' order."""
    ids: list[int] = []
    for start in range(0, len(rows), 5000):
        chunk = rows[start:start + 5000]
        ids += [row.id for row in db.session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True), chunk)]
    return ids


def build_cycle(leaders: int, rng: random.Random) -> int:
    """People, a draft cycle, its subjects and nominations; returns the cycle's id."""
    managers = _insert_ids(Person, _people_rows("mgr", leaders // LEADERS_PER_MANAGER + 1, rng))
    leader_ids = _insert_ids(Person, _people_rows("lead", leaders, rng, managers))
    report_ids = _insert_ids(Person, _people_rows("staff", leaders * REPORTS_PER_LEADER, rng))
    today = dt.date.today()
    cycle = operations.create_cycle("Bench cycle", "compassionate-inclusive-leadership",
                                    today, today + dt.timedelta(days=28), language="en")
    subject_ids = _insert_ids(Subject, [{"cycle_id": cycle.id, "person_id": p}
                                        for p in leader_ids])
    now = utcnow()
    nominations = []
    for n, (subject_id, leader_id) in enumerate(zip(subject_ids, leader_ids, strict=True)):
        raters = [(leader_id, RaterGroup.SELF),
                  (managers[n // LEADERS_PER_MANAGER], RaterGroup.MANAGER)]
        raters += [(report_ids[n * REPORTS_PER_LEADER + k], RaterGroup.DIRECT_REPORT)
                   for k in range(REPORTS_PER_LEADER)]
        peers: set[int] = set()
        while len(peers) < PEERS_PER_LEADER:
            peer = rng.randrange(len(leader_ids))
            if peer != n:
                peers.add(leader_ids[peer])
        raters += [(peer, RaterGroup.PEER) for peer in sorted(peers)]
        nominations += [{"subject_id": subject_id, "person_id": person_id, "group": group,
                         "created_at": now} for person_id, group in raters]
    for start in range(0, len(nominations), 10000):
        db.session.execute(insert(Nomination), nominations[start:start + 10000])
    db.session.commit()
    return cycle.id


# -- the baseline ----------------------------------------------------------------------------

def bare_load(cycle_id: int) -> tuple[float, int]:
    """Seconds to write N invitation rows and N outbox rows through the driver, with commit."""
    cycle = operations.get_cycle(cycle_id)
    nominations = db.session.execute(
        select(Nomination.id, Person.email).join(Subject, Nomination.subject_id == Subject.id)
        .join(Person, Nomination.person_id == Person.id)
        .where(Subject.cycle_id == cycle_id).order_by(Nomination.id)).all()
    context = json.dumps({**cycle_context(cycle), "rater_name": "Gwenllïan Llŷr staff12345",
                          "leader_name": "Dafydd O'Brien lead1234", "is_self": False,
                          "group": "peer"})
    sealed = seal(secrets.token_urlsafe(32))  # one real one: the same size as every other
    now = utcnow()
    postgres = db.engine.dialect.name == "postgresql"
    stamp: Any = now if postgres else now.isoformat(" ")
    invitations = [(n, nomination_id, secrets.token_hex(32), sealed, "pending", stamp)
                   for n, (nomination_id, _) in enumerate(nominations, start=1)]
    outbox = [("email", "invitation", email, "en", context, cycle_id, n, "pending", 0, stamp,
               stamp) for n, (_, email) in enumerate(nominations, start=1)]
    invitation_columns = "id, nomination_id, token_hash, sealed_token, status, created_at"
    outbox_columns = ("kind, template, recipient, language, context, cycle_id, invitation_id, "
                      "status, attempts, created_at, next_attempt_at")
    db.session.commit()
    raw = db.session.connection().connection.driver_connection
    start = time.perf_counter()
    if postgres:
        with raw.cursor() as cursor:
            for table, columns, rows in (("invitations", invitation_columns, invitations),
                                         ("outbox", outbox_columns, outbox)):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
    else:
        cursor = raw.cursor()
        cursor.executemany(f"INSERT INTO invitations ({invitation_columns}) VALUES "
                           "(?, ?, ?, ?, ?, ?)", invitations)
        cursor.executemany(f"INSERT INTO outbox ({outbox_columns}) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", outbox)
    db.session.commit()
    seconds = time.perf_counter() - start
    db.session.execute(delete(OutboxMessage))
    db.session.execute(delete(Invitation))
    db.session.commit()
    analyze()
    return seconds, len(nominations)


def analyze() -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or a maintained file would have."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


# -- the launch ------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    people: int
    nominations: int
    setup: float
    baseline: float
    launch: float
    phases: dict[str, float]
    peak_rss_mb: float


PHASES = {"write_many": "invitations", "_queue_link_emails": "emails"}


@contextmanager
def phase_timers() -> Iterator[dict[str, float]]:
    """Time the launch's bulk steps by wrapping invitations.py's functions for the duration."""
    phases: dict[str, float] = {}
    originals = {name: getattr(invitations, name) for name in PHASES}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases[PHASES[name]] = (phases.get(PHASES[name], 0.0)
                                        + time.perf_counter() - start)
        return wrapper

    for name, function in originals.items():
        setattr(invitations, name, timed(name, function))
    try:
        yield phases
    finally:
        for name, function in originals.items():
            setattr(invitations, name, function)


def run_launch(app: Any, cycle_id: int, profile: bool) -> tuple[float, dict[str, float]]:
    db.session.remove()  # the command starts from nothing loaded, as in a fresh process
    runner = app.test_cli_runner()
    profiler = cProfile.Profile() if profile else None
    with phase_timers() as phases:
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        result = runner.invoke(args=["cycle", "launch", str(cycle_id)])
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - start
    phases["rest"] = seconds - sum(phases.values())
    check(result.exit_code == 0, f"launch failed: {result.output}{result.exception!r}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return seconds, phases


def run_database(name: str, url: str, workdir: Path, leaders: int, profile: bool) -> Result:
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(workdir / name),
                      "SECRET_KEY": "bench-secret-key", "BASE_URL": "https://feedback.example",
                      "MAIL_BACKEND": "file",
                      "TASK_QUEUE_URL": f"sqlite:///{workdir / name / 'tasks.sqlite'}"})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        cycle_id = build_cycle(leaders, random.Random(SEED))
        analyze()
        setup = time.perf_counter() - start
        people = db.session.scalar(select(func.count(Person.id)))
        baseline, nominations = bare_load(cycle_id)
        check(nominations == leaders * RATERS_PER_LEADER, f"{nominations} nominations")

        launch, phases = run_launch(app, cycle_id, profile)

        invitations = db.session.scalar(select(func.count(Invitation.id)))
        emails = db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.template == "invitation", OutboxMessage.cycle_id == cycle_id))
        check(invitations == emails == nominations,
              f"{name}: {invitations} invitations and {emails} emails for {nominations}")
        queued = app.extensions["huey"].pending_count()
        check(queued == 1, f"{name}: {queued} relay tasks queued, not 1")
        db.session.remove()
        db.engine.dispose()
    return Result(name, people, nominations, setup, baseline, launch, phases, peak_rss_mb())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def print_report(leaders: int, results: list[Result]) -> None:
    print(f"\ncycle launch bench: {leaders:,} leaders x {RATERS_PER_LEADER} raters")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}, {platform.machine()}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"goal: create and queue {leaders * RATERS_PER_LEADER:,} invitations in "
          f"<= {GOAL_SECONDS:g} s (PostgreSQL)\n")
    header = (f"{'database':<10} {'people':>7} {'invitations':>11} {'setup':>8} "
              f"{'bare load':>10} {'launch':>8} {'x bare':>7} {'per second':>11} {'goal':>6}"
              f"  {'peak RSS':>8}")
    print(header)
    print("-" * len(header))
    for r in results:
        met = "ok" if r.launch <= GOAL_SECONDS else "MISSED"
        print(f"{r.name:<10} {r.people:>7,} {r.nominations:>11,} {r.setup:>6.1f} s "
              f"{r.baseline:>8.2f} s {r.launch:>6.2f} s {r.launch / r.baseline:>6.2f}x "
              f"{r.nominations / r.launch:>11,.0f} {met:>6}  {r.peak_rss_mb:>5.0f} MB")
    print("\nlaunch phases in seconds (invitations: tokens, hashes, seals and the rows; "
          "emails: the INSERT … SELECT;\nrest: loading and checking the cycle, the rubric, "
          "reading nominations and ids, commit, queueing the relay):")
    for r in results:
        print(f"  {r.name:<10} " + "  ".join(f"{name} {seconds:.2f}"
                                             for name, seconds in r.phases.items()))
    print("\nbare load: the same number of invitation and outbox rows, values prepared in "
          "advance, written through the driver\n(COPY on PostgreSQL, executemany on SQLite), "
          "with commit. launch: the whole `feedback360 cycle launch`\ncommand, with commit "
          "and the relay task queued.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaders", type=int, default=10_000)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES_URL))
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--profile", action="store_true",
                        help="profile the launch (cProfile, top 30 by cumulative time)")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="feedback360-launch-") as tmp:
        workdir = Path(tmp)
        if not args.skip_sqlite:
            results.append(run_database("sqlite", f"sqlite:///{workdir / 'bench.sqlite'}",
                                        workdir, args.leaders, args.profile))
        if not args.skip_postgres:
            reset_postgres(args.postgres_url)
            results.append(run_database("postgresql", args.postgres_url, workdir,
                                        args.leaders, args.profile))
    print_report(args.leaders, results)


if __name__ == "__main__":
    main()
