"""Rating path bench: raters served per second by feedback360 under gunicorn, against a bare
Flask app doing the same SQL on its own copy of the same data, in the same run.

What it does, from a clean clone:

* setup, not timed: a database of its own (PostgreSQL: `bench_rating` and `bench_rating_bare`,
  created when missing, emptied otherwise; SQLite: two files in a temporary directory), migrated,
  filled through the project's own code: people (a tenth Welsh), a cycle of LEADERS leaders x 10
  raters (self, manager, 4 direct reports, 4 peers), launched with `cycles.operations.launch`,
  which freezes the rubric and returns one link per invitation; then ANALYZE. The bare app's
  database is a copy of it (`CREATE DATABASE … TEMPLATE`, or a file copy), so both serve the
  same links. Every link is used once by each app: a submission is one-shot;
* two gunicorn servers with the same explicit settings (``--workers``, ``--worker-class``,
  ``--threads``; the repository's gunicorn.conf.py is not read): feedback360 (`wsgi:app`) and
  the bare app (`bench/bare_rating_app.py`);
* an HTTP load generator in this process (asyncio streams, HTTP/1.1, one connection per request
  as gunicorn's sync worker closes each), on loopback. Each phase runs on the project, then on
  the bare app, alternating which goes first:

  - *saturated raters*: CONCURRENCY raters at a time, each GET the form (a fresh link), then
    POST every item and a comment with ``action=submit``, with the headers a browser sends
    with a form (Origin, Sec-Fetch-Site) and any cookie the page set (neither app sets one:
    the rater's form has no CSRF token or session, service/responses/views.py); raters/s;
  - *saturated POST*: the same submissions for raters who opened the form earlier; POST/s;
  - *open loop* at each offered rate (raters/s, then POST/s): a new rater starts every 1/rate s
    whatever the server is doing, so latency is measured from when a request was due (no
    coordinated omission); achieved rate, p50 and p99;

* CPU per rater from /proc: the gunicorn processes, the PostgreSQL backends serving them, and
  this client, over the saturated phases;
* "stored = acknowledged": after the run, for each app, held rows and invitations flipped to
  submitted are counted and must both equal the 302s the client saw.

Goals (issue 10, point 15): >= 400 submissions/s on 2 cores with PostgreSQL, POST p99 < 100 ms
at 200/s, the whole rater path >= 0.8x the bare app (>= 0.5x on SQLite).

``--mode step-save`` measures the stepped form's save instead (issue 13), on feedback360 alone
(the bare app has no steps): each request POSTs one rubric section of a fresh link with
``action=continue`` (the look-up, the draft opened, merged, sealed and written: one UPDATE), and
counts a 302 to the next step; saturated and open loop as above; "stored = acknowledged" counts
the invitations holding a draft. Not yet measured on a quiet machine (docs/performance.md).

Run from the repository root:

    .venv/bin/python bench/rating.py [--mode submit|step-save]
        [--database postgresql|sqlite] [--leaders 4000]
        [--rates 100,200,400] [--seconds 10] [--saturate-seconds 8] [--concurrency 16]
        [--workers 2] [--worker-class sync] [--threads 1] [--postgres-url URL]
        [--repository-config]   (workers, class and threads from gunicorn.conf.py, both apps)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.launch import build_cycle  # noqa: E402
from service.app import create_app  # noqa: E402
from service.cycles import operations  # noqa: E402
from service.db import db  # noqa: E402
from service.migrations.cli import upgrade  # noqa: E402
from service.nominations.models import Invitation, InvitationStatus  # noqa: E402
from service.responses.models import HeldResponse  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_rating"
SECRET_KEY = "bench-rating-secret-key"  # noqa: S105 (a throwaway bench instance)
SEED = 360
REQUEST_TIMEOUT = 30.0
WARM_UP = 200  # raters per app before anything is measured
MAX_OUTSTANDING = 1000  # open loop: requests waiting before new ones are not sent
MARGIN = 500  # links a phase may take and not use (a client stopping at the deadline)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
COMMENT = ("Listens with real interest and makes time for the team even on the busiest days; "
           "could say more often what she has noticed, and ask before deciding for us. ") * 2


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"bench check failed: {message}")


# -- setup -------------------------------------------------------------------------------------

@dataclass
class Setup:
    project_url: str
    bare_url: str
    tokens: list[str]
    rubric: dict[str, Any]


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def _recreate_postgres(url: str, template: str | None = None) -> None:
    """An empty database at ``url`` (or a copy of ``template``), created when missing."""
    name = make_url(url).database
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if template:  # nobody may be connected to a template while it is copied
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name"), {"name": template})
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        else:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def build(database: str, postgres_url: str, workdir: Path, leaders: int) -> Setup:
    if database == "postgresql":
        project_url = postgres_url
        bare_url = make_url(postgres_url).set(
            database=f"{make_url(postgres_url).database}_bare").render_as_string(False)
        _recreate_postgres(project_url)
    else:
        project_url = f"sqlite:///{workdir / 'project.sqlite'}"
        bare_url = f"sqlite:///{workdir / 'bare.sqlite'}"
    app = create_app(_app_settings(project_url, workdir))
    with app.app_context():
        upgrade()
        cycle_id = build_cycle(leaders, random.Random(SEED))
        cycle = operations.get_cycle(cycle_id)
        tokens = list(operations.launch(cycle).values())
        db.session.commit()
        rubric = cycle.rubric_snapshot
        assert rubric is not None
        if database == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()
    if database == "postgresql":
        _recreate_postgres(bare_url, template=make_url(project_url).database)
    else:
        shutil.copyfile(workdir / "project.sqlite", workdir / "bare.sqlite")
    random.Random(SEED).shuffle(tokens)
    return Setup(project_url, bare_url, tokens, rubric)


def _app_settings(url: str, workdir: Path) -> dict[str, Any]:
    return {"DATABASE_URL": url, "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": SECRET_KEY, "BASE_URL": "https://feedback.example",
            "ORGANISATION_NAME": "Bench NHS Trust", "MAIL_BACKEND": "file",
            "TASK_QUEUE_URL": f"sqlite:///{workdir / 'tasks.sqlite'}"}


def form_body(rubric: dict[str, Any], rng: random.Random) -> bytes:
    """A complete submission: every item rated (some 'not observed'), one comment."""
    points = [str(label["value"]) for label in rubric["scale"]["labels"]] + ["na"]
    fields = [(f"item-{item['id']}", rng.choice(points))
              for section in rubric["sections"] for item in section["items"]]
    for n, question in enumerate(rubric.get("questions", [])):
        fields.append((f"question-{question['id']}", COMMENT if n == 0 else ""))
    fields.append(("action", "submit"))
    return urllib.parse.urlencode(fields).encode()


def step_body(rubric: dict[str, Any], rng: random.Random) -> bytes:
    """One step of the stepped form: a rubric section's items rated, Continue pressed."""
    number = rng.randrange(len(rubric["sections"]))
    points = [str(label["value"]) for label in rubric["scale"]["labels"]] + ["na"]
    fields = [(f"item-{item['id']}", rng.choice(points))
              for item in rubric["sections"][number]["items"]]
    fields += [("step", str(number + 1)), ("action", "continue")]
    return urllib.parse.urlencode(fields).encode()


# -- servers -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn with explicit settings, started from the repository root."""

    def __init__(self, name: str, target: str, env: dict[str, str], args: argparse.Namespace,
                 workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        config = workdir / "gunicorn.bench.conf.py"  # empty: nothing but the flags below
        config.write_text("# bench/rating.py passes every setting on the command line\n")
        command = [sys.executable, "-m", "gunicorn", "--config", str(config),
                   "--workers", str(args.workers), "--worker-class", args.worker_class,
                   "--threads", str(args.threads), "--bind", f"127.0.0.1:{self.port}",
                   "--backlog", "2048", "--timeout", "120", "--log-level", "warning",
                   "--error-logfile", str(workdir / f"{name}.log"), target]
        self.log = workdir / f"{name}.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                                            stdout=log, stderr=log)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            check(self.process.poll() is None,
                  f"{self.name} server exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"GET /done/submitted HTTP/1.1\r\nHost: x\r\n"
                                 b"Connection: close\r\n\r\n")
                    if sock.recv(12).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} server did not start: {self.log.read_text()[-2000:]}")

    def pids(self) -> list[int]:
        return [self.process.pid, *children(self.process.pid)]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


class CpuMeter:
    """CPU seconds used by some processes between two readings (new processes count from 0)."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.start = {pid: cpu_seconds(pid) for pid in pids()}

    def used(self) -> float:
        return sum(cpu_seconds(pid) - self.start.get(pid, 0.0) for pid in self.pids())


def backend_pids(url: str | None) -> Callable[[], list[int]]:
    """The PostgreSQL backends connected to the database at ``url`` (none for SQLite)."""
    if url is None or not url.startswith("postgresql"):
        return lambda: []
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    name = make_url(url).database

    def pids() -> list[int]:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :name "
                "AND backend_type = 'client backend'"), {"name": name}).scalars())
    return pids


# -- the load generator ------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    headers: bytes = b""
    body: bytes = b""


async def http(port: int, method: str, path: str, body: bytes | None = None,
               cookie: str | None = None) -> Reply:
    """One request on its own connection; a POST as a browser sends a form from the page."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return Reply(0)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    if body is not None:
        head += (f"Origin: http://127.0.0.1:{port}\r\nSec-Fetch-Site: same-origin\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n"
                 f"Content-Length: {len(body)}\r\n")
    try:
        writer.write(head.encode() + b"\r\n" + (body or b""))
        data = await reader.read()
    except OSError:
        return Reply(0)
    finally:
        writer.close()
    headers, _, content = data.partition(b"\r\n\r\n")
    try:
        return Reply(int(headers[9:12]), headers, content)
    except ValueError:
        return Reply(0)


def _cookie(headers: bytes) -> str | None:
    match = re.search(rb"(?im)^set-cookie: ([^;\r\n]+)", headers)
    return match.group(1).decode() if match else None


@dataclass
class Outcome:
    """One rater (GET and POST) or one POST; times in seconds, None where not reached."""

    ok: bool
    get: float | None = None
    post: float | None = None
    total: float | None = None
    page_bytes: int = 0
    status: str = ""


def _submitted(reply: Reply) -> bool:
    return reply.status == 302 and re.search(rb"(?im)^location: \S*/done/submitted",
                                             reply.headers) is not None


async def rater(port: int, token: str, body: bytes, due: float) -> Outcome:
    """GET the form, then POST it complete; latency counted from when the rater was due."""
    loop = asyncio.get_running_loop()
    page = await http(port, "GET", f"/r/{token}")
    got = loop.time()
    if page.status != 200:
        return Outcome(False, get=got - due, status=f"GET {page.status}")
    reply = await http(port, "POST", f"/r/{token}", body, _cookie(page.headers))
    done = loop.time()
    return Outcome(_submitted(reply), get=got - due, post=done - got, total=done - due,
                   page_bytes=len(page.body), status=f"POST {reply.status}")


def _stepped(reply: Reply) -> bool:
    return reply.status == 302 and re.search(rb"(?im)^location: \S*/r/\S+\?step=\d+",
                                             reply.headers) is not None


async def step_saver(port: int, token: str, body: bytes, due: float) -> Outcome:
    """POST one step of a form; latency counted from when it was due."""
    reply = await http(port, "POST", f"/r/{token}", body)
    done = asyncio.get_running_loop().time()
    return Outcome(_stepped(reply), post=done - due, total=done - due,
                   status=f"POST {reply.status}")


async def poster(port: int, token: str, body: bytes, due: float) -> Outcome:
    """POST a form opened earlier; latency counted from when it was due."""
    reply = await http(port, "POST", f"/r/{token}", body)
    done = asyncio.get_running_loop().time()
    return Outcome(_submitted(reply), post=done - due, total=done - due,
                   status=f"POST {reply.status}")


Job = Callable[[float], Awaitable[Outcome]]


async def _bounded(job: Awaitable[Outcome]) -> Outcome:
    try:
        return await asyncio.wait_for(job, REQUEST_TIMEOUT)
    except TimeoutError:
        return Outcome(False, status="timeout")


async def closed_loop(jobs: Iterator[Job], concurrency: int, seconds: float
                      ) -> tuple[list[Outcome], float]:
    """CONCURRENCY clients, each starting its next job when the last one ends, for SECONDS."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + seconds
    outcomes: list[Outcome] = []

    async def client() -> None:
        for job in jobs:
            if loop.time() >= deadline:
                return
            outcomes.append(await _bounded(job(loop.time())))

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return outcomes, loop.time() - start


async def open_loop(jobs: Iterator[Job], rate: float, seconds: float
                    ) -> tuple[list[Outcome], float]:
    """One job every 1/RATE s for SECONDS, whether or not earlier ones have finished."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    tasks = []
    outstanding = 0
    skipped: list[Outcome] = []

    async def counted(job: Awaitable[Outcome]) -> Outcome:
        nonlocal outstanding
        outstanding += 1
        try:
            return await _bounded(job)
        finally:
            outstanding -= 1

    for n in range(int(rate * seconds)):
        due = start + n / rate
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        if outstanding >= MAX_OUTSTANDING:  # the server is far behind: this one is lost
            skipped.append(Outcome(False, status=f"not sent, {MAX_OUTSTANDING} waiting"))
            continue
        job = next(jobs, None)
        if job is None:
            break
        tasks.append(asyncio.create_task(counted(job(due))))
    outcomes = list(await asyncio.gather(*tasks)) + skipped
    return outcomes, loop.time() - start


# -- phases ------------------------------------------------------------------------------------

@dataclass
class Phase:
    outcomes: list[Outcome]
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def percentile(self, attribute: str, q: float) -> float:
        values = sorted(getattr(o, attribute) for o in self.outcomes
                        if getattr(o, attribute) is not None)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))] * 1000

    def failures(self) -> str:
        bad: dict[str, int] = {}
        for o in self.outcomes:
            if not o.ok:
                bad[o.status] = bad.get(o.status, 0) + 1
        return ", ".join(f"{n} x {status}" for status, n in sorted(bad.items()))


class Target:
    """One app under load: its server, its database, its share of links."""

    def __init__(self, name: str, server: Server, url: str, setup: Setup) -> None:
        self.name = name
        self.server = server
        self.url = url
        self.tokens = iter(setup.tokens)
        self.rubric = setup.rubric
        self.backends = backend_pids(url)
        self.acknowledged = 0
        self.unknown = 0  # timed out: the server may or may not have stored them
        self.rng = random.Random(SEED)

    def rater_jobs(self, limit: int) -> Iterator[Job]:
        for token in itertools.islice(self.tokens, limit):
            body = form_body(self.rubric, self.rng)
            yield lambda due, token=token, body=body: rater(self.server.port, token, body, due)

    def post_jobs(self, limit: int) -> Iterator[Job]:
        for token in itertools.islice(self.tokens, limit):
            body = form_body(self.rubric, self.rng)
            yield lambda due, t=token, b=body: poster(self.server.port, t, b, due)

    def step_jobs(self, limit: int) -> Iterator[Job]:
        for token in itertools.islice(self.tokens, limit):
            body = step_body(self.rubric, self.rng)
            yield lambda due, t=token, b=body: step_saver(self.server.port, t, b, due)

    def run(self, phase: Callable[[], Awaitable[tuple[list[Outcome], float]]]) -> Phase:
        meters = {"workers": CpuMeter(self.server.pids),
                  "database": CpuMeter(self.backends),
                  "client": CpuMeter(lambda: [os.getpid()])}
        outcomes, seconds = asyncio.run(phase())
        result = Phase(outcomes, seconds, {name: m.used() for name, m in meters.items()})
        self.acknowledged += result.done
        self.unknown += sum(o.status == "timeout" for o in outcomes)
        return result


def both(targets: list[Target], turn: int,
         make: Callable[[Target], Callable[[], Awaitable[tuple[list[Outcome], float]]]]
         ) -> dict[str, Phase]:
    """Run a phase on each app back to back, alternating which goes first."""
    order = targets if turn % 2 == 0 else targets[::-1]
    results = {}
    for target in order:
        results[target.name] = target.run(make(target))
        time.sleep(1)  # let the database write out what the last phase left
    return results


def stored(target: Target) -> tuple[int, int]:
    engine = create_engine(target.url)
    with engine.connect() as conn:
        held = conn.execute(select(func.count()).select_from(HeldResponse)).scalar_one()
        flipped = conn.execute(select(func.count()).select_from(Invitation).where(
            Invitation.status == InvitationStatus.SUBMITTED)).scalar_one()
    engine.dispose()
    return held, flipped


# -- report ------------------------------------------------------------------------------------

def ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def print_report(args: argparse.Namespace, results: dict[str, Any], loads: list[str]) -> None:
    sat, post = results["saturated raters"], results["saturated POST"]
    print(f"\nrating bench: {args.database}, gunicorn --workers {args.workers} --worker-class "
          f"{args.worker_class} --threads {args.threads}; {args.leaders * 10:,} invitations")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; load average at start, middle, end: "
          + "; ".join(loads))
    print(f"page: GET /r/<token> is {results['page']['project'] / 1000:.1f} kB (project), "
          f"{results['page']['bare'] / 1000:.1f} kB (bare)\n")
    header = f"{'':<34}{'project':>12}{'bare':>12}{'ratio':>8}"
    print(header)
    print("-" * len(header))

    def row(label: str, project: float, bare: float, fmt: str = "{:,.0f}") -> None:
        print(f"{label:<34}{fmt.format(project):>12}{fmt.format(bare):>12}"
              f"{project / bare if bare else float('nan'):>7.2f}x")

    row(f"raters/s, {args.concurrency} at a time", sat["project"].rate, sat["bare"].rate)
    row(f"POST/s, {args.concurrency} at a time", post["project"].rate, post["bare"].rate)
    for part in ("workers", "database", "client"):
        row(f"CPU ms per rater, {part}",
            sat["project"].cpu[part] / max(sat["project"].done, 1) * 1000,
            sat["bare"].cpu[part] / max(sat["bare"].done, 1) * 1000, "{:.2f}")
    row("CPU ms per POST, workers",
        post["project"].cpu["workers"] / max(post["project"].done, 1) * 1000,
        post["bare"].cpu["workers"] / max(post["bare"].done, 1) * 1000, "{:.2f}")
    print("(ratios of CPU are project / bare: lower is better)")

    for kind, label in (("raters", "raters (GET then POST)"), ("posts", "POST alone")):
        print(f"\nopen loop, {label}: achieved/s, p50 / p99 ms "
              f"({'GET | POST' if kind == 'raters' else 'POST'}) from when each was due")
        for rate in args.rates:
            for name in ("project", "bare"):
                phase = results[f"open {kind} {rate}"][name]
                if kind == "raters":
                    lat = (f"GET {ms(phase.percentile('get', .5))} / "
                           f"{ms(phase.percentile('get', .99))} | POST "
                           f"{ms(phase.percentile('post', .5))} / "
                           f"{ms(phase.percentile('post', .99))}")
                else:
                    lat = (f"{ms(phase.percentile('post', .5))} / "
                           f"{ms(phase.percentile('post', .99))}")
                bad = phase.failures()
                print(f"  {rate:>5}/s {name:<8} {phase.rate:>7,.0f}/s  {lat}"
                      + (f"  FAILED: {bad}" if bad else ""))
    print()
    for name in ("project", "bare"):
        held, flipped, acknowledged, unknown = results["stored"][name]
        verdict = ("ok" if held == flipped and acknowledged <= held <= acknowledged + unknown
                   else "MISMATCH")
        print(f"stored = acknowledged, {name}: {held:,} held rows, {flipped:,} invitations "
              f"submitted, {acknowledged:,} 302s seen"
              + (f" (+ {unknown:,} timed out, outcome unknown to the client)" if unknown else "")
              + f": {verdict}")
    for name in ("project", "bare"):
        bad = [f"{key}: {phase.failures()}" for key, value in results.items()
               if isinstance(value, dict) and isinstance(value.get(name), Phase)
               for phase in [value[name]] if phase.failures()]
        if bad:
            print(f"failures, {name}: " + "; ".join(bad))


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("submit", "step-save"), default="submit",
                        help="submit: the rater's path against the bare app; step-save: one "
                             "step of the stepped form saved, feedback360 alone")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES_URL),
                        help="the project's database (created, or emptied); the bare app's "
                             "is the same name with _bare")
    parser.add_argument("--leaders", type=int, default=4000, help="x 10 invitations")
    parser.add_argument("--rates", default="100,200,400",
                        help="offered rates for the open-loop phases, per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="per open-loop phase")
    parser.add_argument("--saturate-seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repository-config", action="store_true",
                        help="workers, worker class and threads as the repository's "
                             "gunicorn.conf.py sets them (for both apps)")
    args = parser.parse_args()
    if args.repository_config:
        from bench import gunicorn_conf_values

        args.workers, args.worker_class, args.threads = gunicorn_conf_values.read()
    args.rates = [int(rate) for rate in args.rates.split(",")]
    if args.mode == "step-save":
        step_save(args)
        return
    needed = 2 * sum(args.rates) * args.seconds + WARM_UP
    check(args.leaders * 10 > needed + 2000,
          f"--leaders {args.leaders} gives too few links for these phases (need {needed:,.0f} "
          "and some for the saturated phases)")

    with tempfile.TemporaryDirectory(prefix="feedback360-rating-") as tmp:
        workdir = Path(tmp)
        start = time.perf_counter()
        setup = build(args.database, args.postgres_url, workdir, args.leaders)
        # Links left for the saturated phases, after the warm-up and the open-loop phases.
        spare = len(setup.tokens) - int(needed) - MARGIN
        print(f"setup: {len(setup.tokens):,} links in {time.perf_counter() - start:.0f} s",
              flush=True)
        project_env = {k: str(v) for k, v in _app_settings(setup.project_url, workdir).items()}
        servers = [Server("project", "wsgi:app", project_env, args, workdir),
                   Server("bare", "bench.bare_rating_app:app",
                          {"BARE_DATABASE_URL": setup.bare_url}, args, workdir)]
        try:
            for server in servers:
                server.wait_ready()
            targets = [Target("project", servers[0], setup.project_url, setup),
                       Target("bare", servers[1], setup.bare_url, setup)]
            results: dict[str, Any] = {}
            loads = [load_average()]
            warm = both(targets, 0, lambda t: lambda: closed_loop(
                t.rater_jobs(WARM_UP), 4, REQUEST_TIMEOUT))
            results["page"] = {name: max(o.page_bytes for o in phase.outcomes)
                               for name, phase in warm.items()}
            print("saturated phases …", flush=True)
            for turn, kind in enumerate(("raters", "POST"), start=1):
                results[f"saturated {kind}"] = both(targets, turn, lambda t, k=kind: (
                    lambda: closed_loop((t.rater_jobs if k == "raters" else t.post_jobs)(
                        spare // 2), args.concurrency, args.saturate_seconds)))
            loads.append(load_average())
            print("open-loop phases …", flush=True)
            turn = 3
            for kind in ("raters", "posts"):
                for rate in args.rates:
                    count = int(rate * args.seconds)
                    results[f"open {kind} {rate}"] = both(targets, turn, lambda t, k=kind, r=rate,
                                                          n=count: (
                        lambda: open_loop((t.rater_jobs if k == "raters" else t.post_jobs)(n),
                                          r, args.seconds)))
                    turn += 1
            loads.append(load_average())
        finally:
            for server in servers:
                server.stop()
        results["stored"] = {target.name: (*stored(target), target.acknowledged, target.unknown)
                             for target in targets}
    print_report(args, results, loads)


def step_save(args: argparse.Namespace) -> None:
    """--mode step-save: saturated, then open loop at each rate, on feedback360 alone."""
    with tempfile.TemporaryDirectory(prefix="feedback360-step-save-") as tmp:
        workdir = Path(tmp)
        setup = build(args.database, args.postgres_url, workdir, args.leaders)
        project_env = {k: str(v) for k, v in _app_settings(setup.project_url, workdir).items()}
        server = Server("project", "wsgi:app", project_env, args, workdir)
        phases: dict[str, Phase] = {}
        try:
            server.wait_ready()
            target = Target("project", server, setup.project_url, setup)
            target.run(lambda: closed_loop(target.step_jobs(WARM_UP), 4, REQUEST_TIMEOUT))
            phases["saturated"] = target.run(lambda: closed_loop(
                target.step_jobs(len(setup.tokens)), args.concurrency, args.saturate_seconds))
            for rate in args.rates:
                phases[f"open {rate}/s"] = target.run(lambda r=rate: open_loop(
                    target.step_jobs(int(r * args.seconds)), r, args.seconds))
        finally:
            server.stop()
        engine = create_engine(target.url)
        with engine.connect() as conn:
            drafts = conn.execute(select(func.count()).select_from(Invitation).where(
                Invitation.draft.is_not(None))).scalar_one()
        engine.dispose()
    print(f"step saves, {args.database}, {args.workers} x {args.worker_class} "
          f"(threads {args.threads}); load {load_average()}")
    for name, phase in phases.items():
        cpu = phase.cpu.get("workers", 0) / max(phase.done, 1) * 1000
        print(f"  {name}: {phase.rate:,.0f} saves/s, POST p50 / p99 "
              f"{ms(phase.percentile('post', 0.5))} / {ms(phase.percentile('post', 0.99))}, "
              f"worker CPU per save {cpu:.2f} ms"
              + (f"; failed: {phase.failures()}" if phase.failures() else ""))
    check(drafts == target.acknowledged,
          f"stored = acknowledged: {drafts} drafts, {target.acknowledged} acknowledged")
    print(f"stored = acknowledged: {drafts} drafts")


if __name__ == "__main__":
    main()
