"""Report bench: how fast the full PDF report renders, against WeasyPrint alone on the same HTML,
and how many reports two worker processes turn out in an hour.

What it measures, in one run, on a fresh database (SQLite by default, or --database-url):

* setup, not timed as a figure: a cycle of N leaders (default 200), each with a manager, six
  direct reports, three peers and themselves nominated (11 raters), launched through the
  product's own code; about nine in ten raters answer (random ratings around a profile per
  leader, some "not observed", comments for a third), then the cycle is closed, which queues
  one report version per leader;
* warm single renders in this process (after two warm-up reports), for --sample reports
  (default 20): our whole path (read the version's responses, build the context, Jinja, then
  WeasyPrint with the shared font configuration and image cache) against WeasyPrint alone on
  the exact final HTML (``HTML(string=…).write_pdf(pdf_variant="pdf/ua-1", pdf_forms=True)``,
  a fresh call each time, as a caller with no caches would make it). Median time per report
  and per page, and the ratio, with the two interleaved report by report;
* throughput: ``feedback360 worker --worker-type process --workers 2`` renders every queued
  report; the time from its start until the last is stored gives reports per hour. Each
  worker process's peak resident memory (VmHWM) is read from /proc before it is stopped; each
  report renders in a child forked from its worker (service/reports/forked.py), whose peak
  the worker logs from wait4() and the bench reads from that log.

Goals (DESIGN "Numbers"): an 8-page report ≤ 1.0 s warm, ≤ 1.15 × WeasyPrint's own time on the
final HTML, ≥ 5,000 reports/hour on 2 cores, ≤ 200 MB resident per worker. Our report is
longer than 8 pages (see the pages printed); the per-page figure makes the comparison fair.

Run from the repository root:

    .venv/bin/python bench/report.py [--leaders 200] [--sample 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from bench.databases import bench_settings  # noqa: E402
from service.app import create_app  # noqa: E402
from service.cycles import operations as cycles  # noqa: E402
from service.db import db  # noqa: E402
from service.nominations.models import Invitation, Nomination, RaterGroup  # noqa: E402
from service.nominations.operations import nominate  # noqa: E402
from service.people.models import Person  # noqa: E402
from service.reports.context import build_context  # noqa: E402
from service.reports.models import Report, ReportStatus  # noqa: E402
from service.reports.operations import report_inputs  # noqa: E402
from service.reports.pdf import (  # noqa: E402
    PDF_OPTIONS,
    REPORT_DIR,
    prepare_renderer,
    render_html_to_pdf,
    render_report_html,
)
from service.responses.operations import NOT_OBSERVED, parse_rating_form, submit  # noqa: E402

RENDERER_PEAK = re.compile(r"report renderer process: peak resident memory (\d+) MB")

COMMENTS = ["Always makes time to listen, even on the busiest shifts.",
            "Could share more of the bigger picture about where the service is heading.",
            "After a difficult incident they held a debrief that focused on learning, not blame.",
            "Meetings can be dominated by the loudest voices; inviting quieter people in would "
            "help.", "Thanks people by name for the work they do."]


def build_cycle(leaders: int, rng: random.Random) -> Any:
    """People, a launched cycle, answers, and the close that queues the reports."""
    directors = [Person(directory_id=f"dir-{d}", email=f"dir{d}@bench.example",
                        display_name=f"Director {d}", language="en") for d in range(10)]
    db.session.add_all(directors)
    db.session.flush()
    today = dt.date.today()
    cycle = cycles.create_cycle("Bench cycle", "compassionate-inclusive-leadership",
                                today - dt.timedelta(days=1), today + dt.timedelta(days=14))
    people = []
    for n in range(leaders):
        leader = Person(directory_id=f"leader-{n}", email=f"leader{n}@bench.example",
                        display_name=f"Leader Number{n}", manager=directors[n % 10],
                        language="cy" if n % 10 == 0 else "en")
        reports = [Person(directory_id=f"r-{n}-{i}", email=f"r{n}.{i}@bench.example",
                          display_name=f"Report {n} {i}", manager=leader) for i in range(6)]
        db.session.add_all([leader, *reports])
        people.append((leader, reports))
    db.session.flush()
    for n, (leader, reports) in enumerate(people):
        subject = cycles.add_subject(cycle, leader)
        nominate(subject, leader, RaterGroup.SELF)
        nominate(subject, directors[n % 10], RaterGroup.MANAGER)
        for report in reports:
            nominate(subject, report, RaterGroup.DIRECT_REPORT)
        for peer in (1, 2, 3):
            nominate(subject, people[(n + peer) % leaders][0], RaterGroup.PEER)
    cycles.launch(cycle)
    db.session.commit()
    rubric = cycle.rubric_snapshot
    profiles: dict[int, float] = {}
    weights = random.Random(7)
    for invitation in db.session.scalars(select(Invitation).order_by(Invitation.id)):
        if rng.random() < 0.1:
            continue
        nomination: Nomination = invitation.nomination
        base = profiles.setdefault(nomination.subject_id, rng.uniform(2.8, 4.4))
        form = MultiDict()
        for section in rubric["sections"]:
            for item in section["items"]:
                form[f"item-{item['id']}"] = (NOT_OBSERVED if rng.random() < 0.07 else
                                              str(min(5, max(1, round(rng.gauss(base, 0.8))))))
            # Importance, where the rubric asks it: most raters answer (from a stream of its
            # own, so the ratings are those of earlier runs).
            if rubric.get("importance") and weights.random() < 0.85:
                form[f"importance-{section['id']}"] = str(weights.randint(2, 5))
        if rng.random() < 0.35:
            form["question-strengths"] = rng.choice(COMMENTS)
        submit(invitation, parse_rating_form(rubric, form))
    db.session.commit()
    cycles.close(cycle)
    db.session.commit()
    return cycle


def weasyprint_alone(html: str, templates_dir: Path) -> float:
    from weasyprint import HTML

    started = time.perf_counter()
    HTML(string=html, base_url=(templates_dir / REPORT_DIR).as_uri() + "/").write_pdf(
        **PDF_OPTIONS)
    return time.perf_counter() - started


def ours(report: Report, templates_dir: Path) -> tuple[float, str, int]:
    """Our whole path for one version; returns the time, the final HTML and the pages."""
    started = time.perf_counter()
    context = build_context(report_inputs(report))
    html = render_report_html(context, templates_dir)
    rendered = render_html_to_pdf(html, templates_dir)
    return time.perf_counter() - started, html, rendered.pages


def single_renders(reports: list[Report], templates_dir: Path) -> dict[str, Any]:
    for report in reports[:2]:  # warm-up: imports, fontconfig, compiled template
        html = ours(report, templates_dir)[1]
        weasyprint_alone(html, templates_dir)
    prepare_renderer(isolate=True)  # as a worker does at start: each report in a forked child
    times, alone, pages = [], [], []
    for report in reports[2:]:
        seconds, html, count = ours(report, templates_dir)
        times.append(seconds)
        pages.append(count)
        alone.append(weasyprint_alone(html, templates_dir))
    ratios = [a / b for a, b in zip(times, alone, strict=True)]
    return {"median": statistics.median(times), "alone": statistics.median(alone),
            "ratio": statistics.median(ratios), "pages": statistics.median(pages),
            "per_page": statistics.median(t / p for t, p in zip(times, pages, strict=True)),
            "n": len(times)}


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def throughput(app: Any, env: dict[str, str], total: int) -> dict[str, Any]:
    """Two worker processes render every queued report; reports per hour and peak memory."""
    started = time.perf_counter()
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - read after the worker stops
    worker = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "worker", "--worker-type", "process", "--workers",
         "2", "--no-periodic"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    peaks: dict[int, float] = {}
    try:
        while True:
            for child in children(worker.pid):
                with contextlib.suppress(FileNotFoundError):  # a worker that just ended
                    peaks[child] = max(peaks.get(child, 0.0), peak_rss_mb(child))
            db.session.expire_all()
            left = db.session.scalar(select(db.func.count()).where(
                Report.status == ReportStatus.QUEUED))
            if not left:
                break
            if worker.poll() is not None:
                raise SystemExit("the worker stopped before the reports were done")
            time.sleep(0.5)  # a poll of another process's progress, not part of any figure
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    failed = db.session.scalar(select(db.func.count()).where(Report.status == ReportStatus.FAILED))
    log.seek(0)
    renderers = [float(m) for m in RENDERER_PEAK.findall(log.read())]
    return {"seconds": elapsed, "per_hour": total / elapsed * 3600, "failed": failed,
            "peaks": sorted(peaks.values(), reverse=True)[:2],
            "renderer_peak": max(renderers, default=float("nan")),
            "renderer_median": statistics.median(renderers) if renderers else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaders", type=int, default=200)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (its database is created if missing; its schema "
                             "public is dropped and recreated)")
    parser.add_argument("--seed", type=int, default=360)
    args = parser.parse_args()

    settings = bench_settings("report", args.database_url)
    env = {**os.environ, **settings}
    app = create_app(settings)
    with app.app_context():
        from service.migrations.cli import upgrade

        upgrade()
        started = time.perf_counter()
        build_cycle(args.leaders, random.Random(args.seed))
        print(f"setup: {args.leaders} leaders, launched, answered and closed in "
              f"{time.perf_counter() - started:.1f} s")
        templates_dir = Path(app.config["TEMPLATES_DIR"])
        sample = list(db.session.scalars(select(Report).order_by(Report.id)
                                         .limit(args.sample + 2)))
        single = single_renders(sample, templates_dir)
        print(f"single warm render, median of {single['n']}: ours {single['median']:.3f} s, "
              f"WeasyPrint alone on the same HTML {single['alone']:.3f} s, ratio "
              f"{single['ratio']:.3f}; {single['pages']:.0f} pages, "
              f"{single['per_page'] * 1000:.0f} ms per page "
              f"(an 8-page report at that rate: {single['per_page'] * 8:.2f} s)")
        result = throughput(app, env, args.leaders)
        peaks = ", ".join(f"{p:.0f} MB" for p in result["peaks"])
        print(f"2 worker processes: {args.leaders} reports in {result['seconds']:.1f} s = "
              f"{result['per_hour']:,.0f} reports/hour ({result['failed']} failed); "
              f"peak resident memory per worker process: {peaks}; per report's renderer "
              f"process (a fork of its worker, shared pages counted): largest "
              f"{result['renderer_peak']:.0f} MB, median {result['renderer_median']:.0f} MB")
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
