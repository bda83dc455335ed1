"""Leader's pages bench: the report page of a leader whose report has many released versions
and shares (issue 13), on PostgreSQL, through the Flask test client signed in as the leader.

What it measures, on a freshly reset and migrated PostgreSQL database:

* setup, not timed: a leader, their manager, 4 direct reports and 4 peers; a cycle launched by
  the launch operation, every rater answering through the form's code path (parse, submit),
  closed (held answers moved), its first version given a stand-in PDF and released; then
  VERSIONS - 1 later versions released (as after late responses: the same counted answers, so
  every version's page costs the same), SHARES shares with mentors and appraisers of which half
  are withdrawn, and the leader's local account signing in through the sign-in form;
* the pages: `/me/cycles/<id>/report` (the newest version's summary from `build_context`, every
  version listed with its printed number, the shares and their history, the appraisal choice)
  and `/me` (My feedback), `--warm` requests first, then `--requests` timed ones: median and
  p95 of the whole request and the number of SQL statements one request sent;
* the baseline, in the same run: the very statements the page sent, replayed through the
  psycopg connection alone (bench/web_pages.py's `time_page`): the floor without the service.

Goal: the report page's p95 within the staff pages' 150 ms (docs/DESIGN "Numbers"), and a
number of statements that does not grow with the versions or the shares (run with
`--versions 1,50` to see both).

Run from the repository root:

    .venv/bin/python bench/leader_pages.py [--versions 1,50] [--shares 20] [--requests 50]
        [--warm 5] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

import bench.launch as launch_bench  # noqa: E402
from bench.databases import reset_postgres  # noqa: E402
from bench.web_pages import GOAL_P95_MS, PASSWORD, signed_in_client, time_page  # noqa: E402
from service.app import create_app  # noqa: E402
from service.cycles import operations  # noqa: E402
from service.db import db, utcnow  # noqa: E402
from service.migrations.cli import upgrade  # noqa: E402
from service.nominations.models import Invitation, RaterGroup  # noqa: E402
from service.nominations.operations import nominate  # noqa: E402
from service.people.models import Person  # noqa: E402
from service.reports.models import Report, ReportStatus  # noqa: E402
from service.reports.operations import current_report  # noqa: E402
from service.responses.operations import parse_rating_form, submit  # noqa: E402
from service.sharing.models import ShareRole  # noqa: E402
from service.sharing.operations import share_report, withdraw_share  # noqa: E402
from service.staff.operations import create_account  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_leader_pages"
LEADER_EMAIL = "leader@trust.example"
STAND_IN_PDF = b"%PDF-1.7\n% a stand-in: the page never reads the PDF\n%%EOF\n"


def _person(key: str, name: str, manager: Person | None = None) -> Person:
    given, _, family = name.partition(" ")
    person = Person(directory_id=key, email=f"{key}@trust.example", display_name=name,
                    given_name=given, family_name=family, manager=manager)
    db.session.add(person)
    db.session.flush()
    return person


def build(versions: int, shares: int) -> int:
    """The leader's released report with ``versions`` versions and ``shares`` shares."""
    boss = _person("boss", "Morgan Boss")
    leader = _person("leader", "Alex Leader", boss)
    today = dt.date.today()
    cycle = operations.create_cycle("Leadership 360", "compassionate-inclusive-leadership",
                                    today - dt.timedelta(days=1), today + dt.timedelta(days=14))
    subject = operations.add_subject(cycle, leader)
    nominate(subject, leader, RaterGroup.SELF)
    nominate(subject, boss, RaterGroup.MANAGER)
    for n in range(4):
        nominate(subject, _person(f"report{n}", f"Report Person{n}", leader),
                 RaterGroup.DIRECT_REPORT)
        nominate(subject, _person(f"peer{n}", f"Peer Person{n}", boss), RaterGroup.PEER)
    operations.launch(cycle)
    rubric = cycle.rubric_snapshot
    items = [item["id"] for section in rubric["sections"] for item in section["items"]]
    for n, invitation in enumerate(db.session.scalars(select(Invitation)
                                                      .order_by(Invitation.id)).all()):
        form = MultiDict({f"item-{item}": str(1 + (n + i) % 5) for i, item in enumerate(items)})
        submit(invitation, parse_rating_form(rubric, form))
    operations.close(cycle)
    first = current_report(subject)
    launch_bench.check(first is not None, "the close prepared a report")
    assert first is not None
    first.status, first.pdf, first.pages = ReportStatus.READY, STAND_IN_PDF, 1
    operations.release(cycle)
    db.session.flush()
    for version in range(2, versions + 1):
        db.session.add(Report(
            subject_id=subject.id, version=version, status=ReportStatus.RELEASED,
            response_ids=first.response_ids, held_back=0, pdf=STAND_IN_PDF, pages=1,
            rendered_at=utcnow(), released_at=utcnow() + dt.timedelta(minutes=version)))
    for n in range(shares):
        role = ShareRole.MENTOR if n % 2 else ShareRole.APPRAISER
        share = share_report(subject, _person(f"reader{n}", f"Reader Person{n}"), role, leader)
        if n % 2:
            withdraw_share(share)
    create_account(leader, (), PASSWORD)
    leader.email = LEADER_EMAIL
    db.session.commit()
    launch_bench.analyze()
    return subject.id


def run(url: str, versions: int, shares: int, warm: int, requests: int,
        workdir: Path) -> dict[str, Any]:
    reset_postgres(url)
    folder = workdir / f"v{versions}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(folder),
                      "SECRET_KEY": "bench-secret-key", "BASE_URL": "https://feedback.example",
                      "MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(folder / "mail"),
                      "RATELIMIT_STORAGE_URI": "memory://",
                      "TASK_QUEUE_URL": f"sqlite:///{folder / 'tasks.sqlite'}"})
    with app.app_context():
        upgrade()
        subject_id = build(versions, shares)
        version = db.session.scalar(text("SHOW server_version"))
        db.session.remove()
    client = signed_in_client(app, LEADER_EMAIL)
    report, html = time_page(app, client, f"/me/cycles/{subject_id}/report", warm, requests)
    launch_bench.check(html.count("/v") >= versions and "Reader Person" in html,
                       "every version and the shares are listed")
    mine, _ = time_page(app, client, "/me", warm, requests)
    with app.app_context():
        db.engine.dispose()
    return {"versions": versions, "shares": shares, "postgres": version, "report": report,
            "mine": mine}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", default="1,50")
    parser.add_argument("--shares", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES_URL))
    args = parser.parse_args()
    counts = [int(count) for count in args.versions.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        results = [run(args.postgres_url, count, args.shares, args.warm, args.requests,
                       Path(folder)) for count in counts]
    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"Python {platform.python_version()}, PostgreSQL {results[0]['postgres']}, "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'page':>8} {'versions':>8} {'shares':>6} {'median ms':>10} {'p95 ms':>8} "
          f"{'queries':>8} {'driver median':>14} {'driver p95':>11} {'page kB':>8}")
    for r in results:
        for page in ("report", "mine"):
            m = r[page]
            print(f"{page:>8} {r['versions']:>8} {r['shares']:>6} {m['median']:>10.1f} "
                  f"{m['p95']:>8.1f} {m['queries']:>8} {m['base_median']:>14.1f} "
                  f"{m['base_p95']:>11.1f} {m['bytes'] / 1024:>8.0f}")
    largest = max(results, key=lambda r: r["versions"])["report"]
    same = len({r["report"]["queries"] for r in results}) == 1
    print(f"goal p95 <= {GOAL_P95_MS:.0f} ms with {max(counts)} versions: "
          f"{'met' if largest['p95'] <= GOAL_P95_MS else 'NOT met'} ({largest['p95']:.1f} ms, "
          f"{largest['p95'] / largest['base_p95']:.1f} x the driver alone); statements per "
          f"report page {'the same' if same else 'NOT the same'} for every number of versions")


if __name__ == "__main__":
    main()
