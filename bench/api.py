"""API summaries bench: an appraisal system pulls the consented summaries of a cycle of 2,000
leaders page by page (`GET /api/v1/cycles/<id>/summaries`), with the time per request and the
number of database queries per page size; and, as the baseline, the same summaries pulled one
leader at a time (`GET …/reports/<person>/summary`), which is what a client without the list
endpoint would do.

What it does, on a fresh database (SQLite by default, or --database-url, whose schema public is
dropped and recreated), from a clean clone:

* setup, not timed as a figure: N leaders (default 2,000), each with a manager (one of ten
  directors), six direct reports, three peers (other leaders) and themselves nominated, about
  nine in ten answering (random ratings around a profile per leader, some "not observed",
  comments for a third), a released first version of each report and the leader's consent
  (summary and comments for every other leader). The rows are written in bulk, not through the
  rating form and the close (bench/report.py times those): this bench measures the reads.
* the list endpoint with a key that has reports:read, in this process through the WSGI test
  client (no network, no web server: the figure is the application's own time), at per_page
  10, 25, 50 and 100: median and 90th percentile time per request over several pages, time per
  summary, and the queries each request makes (counted on the engine);
* the baseline: the one-leader endpoint for --sample leaders, time and queries per summary.

Run from the repository root (not alongside tests: the machine has two shared cores):

    .venv/bin/python bench/api.py [--leaders 2000] [--sample 100] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import current_app  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402

from bench.databases import bench_settings  # noqa: E402
from service.api.keys import create_key  # noqa: E402
from service.app import create_app  # noqa: E402
from service.cycles import operations as cycles  # noqa: E402
from service.cycles.models import CycleState, Subject  # noqa: E402
from service.db import db, utcnow  # noqa: E402
from service.nominations.models import Nomination, RaterGroup  # noqa: E402
from service.people.models import Person  # noqa: E402
from service.reports.models import Report, ReportStatus  # noqa: E402
from service.responses.models import Response  # noqa: E402
from service.rubrics.loader import find_rubric  # noqa: E402
from service.sharing.models import IntegrationConsent  # noqa: E402

RUBRIC = "compassionate-inclusive-leadership"
COMMENTS = ["Always makes time to listen, even on the busiest shifts.",
            "Could share more of the bigger picture about where the service is heading.",
            "Thanks people by name for the work they do."]
PAGE_SIZES = (10, 25, 50, 100)


def _person_ids() -> dict[str, int]:
    return {directory_id: person_id for directory_id, person_id in db.session.execute(
        select(Person.directory_id, Person.id))}


def build_cycle(leaders: int, rng: random.Random) -> int:
    """A released cycle of ``leaders`` consenting leaders, written in bulk; returns its id."""
    today = dt.date.today()
    rubric = find_rubric(Path(current_app.config["RUBRICS_DIR"]), RUBRIC)
    cycle = cycles.create_cycle("Bench appraisal cycle", RUBRIC, today - dt.timedelta(days=30),
                                today - dt.timedelta(days=2))
    cycle.rubric_snapshot, cycle.rubric_version = rubric, rubric["version"]
    cycle.state = CycleState.RELEASED
    cycle.launched_at = cycle.closed_at = cycle.released_at = utcnow()
    db.session.flush()
    people: list[dict[str, Any]] = [
        {"directory_id": f"dir-{d}", "email": f"dir{d}@bench.example",
         "display_name": f"Director {d}", "language": "en"} for d in range(10)]
    for n in range(leaders):
        people.append({"directory_id": f"leader-{n:05}", "email": f"leader{n}@bench.example",
                       "display_name": f"Leader Number{n}",
                       "language": "cy" if n % 10 == 0 else "en"})
        people += [{"directory_id": f"r-{n:05}-{i}", "email": f"r{n}.{i}@bench.example",
                    "display_name": f"Report {n} {i}"} for i in range(6)]
    db.session.execute(insert(Person), people)
    person = _person_ids()
    db.session.execute(insert(Subject), [
        {"cycle_id": cycle.id, "person_id": person[f"leader-{n:05}"]} for n in range(leaders)])
    subject = {person_id: subject_id for person_id, subject_id in db.session.execute(
        select(Subject.person_id, Subject.id).where(Subject.cycle_id == cycle.id))}
    items = [item["id"] for section in rubric["sections"] for item in section["items"]]
    nominations, responses, reports, consents = [], [], [], []
    for n in range(leaders):
        leader = person[f"leader-{n:05}"]
        subject_id = subject[leader]
        raters = [(leader, RaterGroup.SELF), (person[f"dir-{n % 10}"], RaterGroup.MANAGER)]
        raters += [(person[f"r-{n:05}-{i}"], RaterGroup.DIRECT_REPORT) for i in range(6)]
        raters += [(person[f"leader-{(n + p) % leaders:05}"], RaterGroup.PEER)
                   for p in (1, 2, 3)]
        base = rng.uniform(2.8, 4.4)
        ids = []
        for rater, group in raters:
            nominations.append({"subject_id": subject_id, "person_id": rater, "group": group})
            if rng.random() < 0.1 and group != RaterGroup.SELF:
                continue
            answers = {item: None if rng.random() < 0.07 else
                       min(5, max(1, round(rng.gauss(base, 0.8)))) for item in items}
            comments = {"strengths": rng.choice(COMMENTS)} if rng.random() < 0.35 else {}
            response_id = uuid.uuid4()
            ids.append(str(response_id))
            responses.append({"id": response_id, "cycle_id": cycle.id, "subject_id": subject_id,
                              "rater_group": group, "answers": answers, "comments": comments})
        reports.append({"subject_id": subject_id, "version": 1,
                        "status": ReportStatus.RELEASED, "response_ids": sorted(ids),
                        "held_back": 0, "cohort": None, "released_at": utcnow(),
                        "pdf": b"%PDF-1.7\n%%EOF\n", "pages": 1})
        consents.append({"subject_id": subject_id, "include_pdf": False,
                         "include_comments": n % 2 == 0, "given_at": utcnow()})
    for model, rows in ((Nomination, nominations), (Response, responses), (Report, reports),
                        (IntegrationConsent, consents)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start:start + 5000])
    db.session.commit()
    return cycle.id


class Counter:
    """Statements sent to the database while it is on."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1


def timed(client: Any, path: str, headers: dict[str, str]) -> tuple[float, int, Any]:
    counter = Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        seconds = time.perf_counter() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.get_data(as_text=True)}")
    return seconds, counter.count, response.get_json()


def p90(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.9 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaders", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=100,
                        help="leaders pulled one at a time for the baseline")
    parser.add_argument("--pages", type=int, default=6,
                        help="pages timed per page size (per_page=100 pulls every page)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (its database is created if missing; its schema "
                             "public is dropped and recreated)")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    settings = bench_settings("api", args.database_url)
    settings.update({"API_RATE_LIMIT": "1000000 per minute", "ADMISSION_LIMIT": 0})
    app = create_app(settings)
    with app.app_context():
        from service.migrations.cli import upgrade

        upgrade()
        started = time.perf_counter()
        cycle_id = build_cycle(args.leaders, random.Random(args.seed))
        secret = create_key("bench appraisal", ["reports:read"]).secret
        db.session.commit()
        print(f"setup: {args.leaders} leaders released and consenting, written in "
              f"{time.perf_counter() - started:.1f} s")
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    base = f"/api/v1/cycles/{cycle_id}"
    with app.app_context():
        timed(client, f"{base}/summaries?per_page=10", headers)  # warm-up
        print("page size | requests | median s/request | p90 s/request | ms/summary | "
              "queries/request")
        for size in PAGE_SIZES:
            pages = -(-args.leaders // size) if size == 100 else min(args.pages,
                                                                   -(-args.leaders // size))
            times, queries, got = [], set(), 0
            for page in range(1, pages + 1):
                seconds, count, body = timed(
                    client, f"{base}/summaries?per_page={size}&page={page}", headers)
                times.append(seconds)
                queries.add(count)
                got += len(body["items"])
            print(f"{size:9} | {pages:8} | {statistics.median(times):16.3f} | "
                  f"{p90(times):13.3f} | {1000 * sum(times) / got:10.1f} | "
                  f"{'/'.join(str(q) for q in sorted(queries))}")
            if size == 100:
                print(f"  all {got} summaries in {sum(times):.1f} s "
                      f"(total said {body['total']})")
        people = list(db.session.scalars(select(Subject.person_id).where(
            Subject.cycle_id == cycle_id).order_by(Subject.person_id).limit(args.sample)))
        times, queries = [], set()
        for person_id in people:
            seconds, count, _ = timed(client, f"{base}/reports/{person_id}/summary", headers)
            times.append(seconds)
            queries.add(count)
        print(f"baseline, one leader a request ({len(people)} leaders): median "
              f"{statistics.median(times):.3f} s, p90 {p90(times):.3f} s, "
              f"{'/'.join(str(q) for q in sorted(queries))} queries each; "
              f"{args.leaders} leaders at that rate: "
              f"{statistics.median(times) * args.leaders:.0f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
