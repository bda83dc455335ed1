"""Mail relay bench: messages per second through the project's outbox relay, against a bare
smtplib loop sending equivalent messages over one connection, to the same local SMTP server.

What it measures, in one run:

* a real aiosmtpd server (tests/smtp_server.py) on a free loopback port, in its own process so
  that it does not share the interpreter lock with the sender; it counts what it accepts;
* setup, not timed: a cycle of N/10 leaders x 10 raters launched through `cycles.operations.launch`
  (N invitation emails in the outbox, default 10,000), on SQLite (a fresh file) and, unless
  --skip-postgres, PostgreSQL (its database created if missing, schema public dropped and
  recreated);
* the baseline: one smtplib connection, N messages built with the project's `build_message` from
  one rendered invitation (the same subject, text and HTML, the recipient and Message-ID
  changed each time) and sent with `send_message`, one after another;
* the relay: `relay_until_done` as one worker runs it (batches of 500: claim with a lease, read
  the links, render each email from its template in the recipient's language, unseal the
  link, send over one reused connection, commit after each message), MAIL_RATE_PER_MINUTE off.
  Then it checks that the server received N more messages and every outbox row is sent.

Each round runs the baseline, then the relay (the rows are put back to pending between rounds);
the figures are the medians over the rounds, with the spread.

Goal (docs/DESIGN "Numbers"): >= 50 messages/s per worker to a local SMTP server.

Run from the repository root:

    .venv/bin/python bench/mail_relay.py [--messages 10000] [--rounds 2] [--postgres-url URL]
        [--skip-postgres] [--profile]

--profile runs one relay under cProfile (after the rounds) and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import multiprocessing
import os
import platform
import pstats
import random
import smtplib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, update  # noqa: E402

from bench.databases import reset_postgres  # noqa: E402
from integrations.mail.sender import build_message  # noqa: E402
from service.app import create_app  # noqa: E402
from service.cycles import operations  # noqa: E402
from service.db import db  # noqa: E402
from service.migrations.cli import upgrade  # noqa: E402
from service.outbox.models import OutboxMessage, OutboxStatus  # noqa: E402
from service.outbox.rendering import render_email  # noqa: E402
from service.tasks.jobs import relay_until_done  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_issue4"
RATERS_PER_LEADER = 10
GOAL_PER_SECOND = 50.0
MAIL_FROM = "od@trust.example"
SEED = 360


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"bench check failed: {message}")


# -- the SMTP server, in its own process -----------------------------------------------------

def _serve(conn: Connection) -> None:
    """Run aiosmtpd until told to stop; answer 'count' with the messages accepted so far."""
    from tests.smtp_server import Inbox, SMTPServer

    class CountingInbox(Inbox):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0
            self.bytes = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.count += 1  # no parsing: the server must not be what is measured
            self.bytes += len(envelope.content)
            return "250 Message accepted"

    inbox = CountingInbox()
    with SMTPServer(inbox) as server:
        conn.send(server.port)
        while (request := conn.recv()) != "stop":
            assert request == "count"
            conn.send((inbox.count, inbox.bytes))


class ServerProcess:
    def __init__(self) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("spawn").Process(target=_serve, args=(child,),
                                                                    daemon=True)

    def __enter__(self) -> ServerProcess:
        self.process.start()
        self.port: int = self.conn.recv()
        return self

    def received(self) -> tuple[int, int]:
        self.conn.send("count")
        return self.conn.recv()

    def __exit__(self, *exc: object) -> None:
        self.conn.send("stop")
        self.process.join(timeout=10)


# -- setup -----------------------------------------------------------------------------------

def build_outbox(messages: int) -> int:
    """A launched cycle with `messages` invitation emails waiting; returns the cycle id."""
    from service.nominations.models import Nomination, RaterGroup
    from service.people.models import Person

    rng = random.Random(SEED)
    leaders = messages // RATERS_PER_LEADER
    check(leaders * RATERS_PER_LEADER == messages, "--messages must be a multiple of 10")
    today = dt.date.today()
    cycle = operations.create_cycle("Relay bench", "compassionate-inclusive-leadership", today,
                                    today + dt.timedelta(days=21))
    people = [Person(directory_id=f"p{i}", email=f"person.{i}@trust.example",
                     display_name=f"{rng.choice(['Siân', 'Dafydd', 'Mary'])} Person{i}",
                     language=rng.choice(["cy", "en", None, None]))
              for i in range(leaders * RATERS_PER_LEADER)]
    db.session.add_all(people)
    db.session.flush()
    for n in range(leaders):
        subject = operations.add_subject(cycle, people[n])
        db.session.add(Nomination(subject=subject, person=people[n], group=RaterGroup.SELF))
        for k in range(1, RATERS_PER_LEADER):
            rater = people[leaders + n * (RATERS_PER_LEADER - 1) + k - 1]
            db.session.add(Nomination(subject=subject, person=rater, group=RaterGroup.PEER))
    db.session.flush()
    operations.launch(cycle)
    db.session.commit()
    return cycle.id


def back_to_pending() -> None:
    db.session.execute(update(OutboxMessage).values(
        status=OutboxStatus.PENDING, next_attempt_at=dt.datetime(2000, 1, 1), sent_at=None,
        attempts=0))
    db.session.commit()


# -- the two senders -------------------------------------------------------------------------

def bare_smtplib(port: int, messages: int) -> float:
    """Seconds to send `messages` equivalent messages over one plain smtplib connection."""
    row = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id).limit(1))
    context = {**row.context, "link": "https://feedback.example/r/" + "x" * 43}
    subject, body, html = render_email(row.template, "en", context)
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(messages):
            smtp.send_message(build_message(MAIL_FROM, f"person.{n}@trust.example", subject,
                                            body, html, message_id=f"<bare-{n}@feedback360>"))
    return time.perf_counter() - start


def relay(messages: int, profiler: cProfile.Profile | None = None) -> float:
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    sent = relay_until_done(batch_size=500, budget=3600)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    check(sent == messages, f"the relay sent {sent} of {messages}")
    return seconds


# -- running ---------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    messages: int
    setup: float
    bare: list[float] = field(default_factory=list)
    relayed: list[float] = field(default_factory=list)
    size: int = 0

    def rate(self, runs: list[float]) -> float:
        return self.messages / statistics.median(runs)


def run_database(name: str, url: str, workdir: Path, server: ServerProcess, messages: int,
                 rounds: int, profile: bool) -> Result:
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(workdir / name),
                      "SECRET_KEY": "bench-secret-key", "BASE_URL": "https://feedback.example",
                      "ORGANISATION_NAME": "Afon Valley NHS Trust",
                      "CONTACT_EMAIL": "od@trust.example", "MAIL_FROM": MAIL_FROM,
                      "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port,
                      "MAIL_RATE_PER_MINUTE": 0,
                      "TASK_QUEUE_URL": f"sqlite:///{workdir / name / 'tasks.sqlite'}"})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        build_outbox(messages)
        result = Result(name, messages, time.perf_counter() - start)
        for round_ in range(rounds):
            if round_:
                back_to_pending()
            before, _ = server.received()
            result.bare.append(bare_smtplib(server.port, messages))
            middle, size_middle = server.received()
            result.relayed.append(relay(messages))
            after, size_after = server.received()
            check(middle - before == after - middle == messages,
                  f"{name}: the server received {middle - before} and {after - middle}")
            sent = db.session.scalar(select(func.count()).where(
                OutboxMessage.status == OutboxStatus.SENT))
            check(sent == messages, f"{name}: {sent} rows marked sent of {messages}")
            result.size = (size_after - size_middle) // messages
        if profile:
            back_to_pending()
            profiler = cProfile.Profile()
            relay(messages, profiler)
            print(f"\n{name}: one relay of {messages:,} messages under cProfile")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        db.session.remove()
        db.engine.dispose()
    return result


def spread(runs: list[float], messages: int) -> str:
    return ", ".join(f"{messages / run:,.0f}" for run in runs)


def print_report(messages: int, results: list[Result]) -> None:
    print(f"\nmail relay bench: {messages:,} invitation emails to aiosmtpd on loopback "
          "(its own process), one worker")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}, {platform.machine()}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"goal: >= {GOAL_PER_SECOND:g} messages/s per worker\n")
    header = (f"{'database':<10} {'bare smtplib':>13} {'relay':>10} {'relay/bare':>10} "
              f"{'goal':>5}  {'message':>8}  rounds (bare; relay), messages/s")
    print(header)
    print("-" * len(header))
    for r in results:
        bare, relayed = r.rate(r.bare), r.rate(r.relayed)
        met = "ok" if relayed >= GOAL_PER_SECOND else "MISSED"
        print(f"{r.name:<10} {bare:>9,.0f} /s {relayed:>6,.0f} /s {relayed / bare:>9.2f}x "
              f"{met:>5}  {r.size / 1024:>5.1f} kB  {spread(r.bare, messages)}; "
              f"{spread(r.relayed, messages)}")
    print("\nfigures are medians over the rounds; setup (launching the cycle) is not timed: "
          + ", ".join(f"{r.name} {r.setup:.1f} s" for r in results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES_URL))
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--profile", action="store_true",
                        help="profile one more relay (cProfile, top 25 by own time)")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="feedback360-mail-") as tmp, \
            ServerProcess() as server:
        workdir = Path(tmp)
        results.append(run_database("sqlite", f"sqlite:///{workdir / 'bench.sqlite'}", workdir,
                                    server, args.messages, args.rounds, args.profile))
        if not args.skip_postgres:
            reset_postgres(args.postgres_url)
            results.append(run_database("postgresql", args.postgres_url, workdir, server,
                                        args.messages, args.rounds, args.profile))
    print_report(args.messages, results)


if __name__ == "__main__":
    main()
