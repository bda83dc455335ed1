"""A cycle's reports from close to hand-over, through the CLI and the task queue: rendered on
close, released (to the facilitator first when asked), and never changed in a way that lets a
reader subtract a late answer."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from service.cycles import operations as cycles
from service.db import db
from service.nominations.models import Invitation, InvitationStatus, Nomination, RaterGroup
from service.nominations.operations import nominate
from service.outbox.models import OutboxMessage
from service.reports.context import build_context, format_date
from service.reports.models import Report, ReportStatus
from service.reports.operations import current_report, report_inputs
from service.responses.operations import parse_rating_form, submit
from tests.factories import launched_cycle, person

VALUES = {"self": "5", "manager": "2", "direct_report": "4", "peer": "1"}


def answer(cycle: Any, group: RaterGroup, count: int, value: str | None = None) -> int:
    """``count`` pending raters of ``group`` submit; returns how many did."""
    rubric = cycle.rubric_snapshot
    pending = db.session.scalars(
        select(Invitation).join(Nomination)
        .where(Nomination.group == group, Invitation.status == InvitationStatus.PENDING)
        .order_by(Invitation.id)).all()[:count]
    for invitation in pending:
        form = MultiDict({f"item-{i['id']}": value or VALUES[group.value]
                          for s in rubric["sections"] for i in s["items"]})
        form["question-strengths"] = f"{group.value.upper()}-COMMENT {invitation.id}"
        submit(invitation, parse_rating_form(rubric, form))
    db.session.commit()
    return len(pending)


def run_queue(app: Any) -> dict[str, int]:
    huey = app.extensions["huey"]
    done: dict[str, int] = {}
    while (task := huey.dequeue()) is not None:
        done[task.name] = done.get(task.name, 0) + int(huey.execute(task) or 0)
    return done


def cli(runner: Any, *args: str) -> Any:
    return runner.invoke(args=list(args))


def emails(template: str) -> list[str]:
    return [m.recipient for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == template)
        .order_by(OutboxMessage.id))]


def pdf_text(report: Report) -> str:
    reader = PdfReader(io.BytesIO(report.pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_closing_queues_reports_that_the_worker_renders_and_nobody_is_named(app, runner,
                                                                           tmp_path):
    cycle, _, people = launched_cycle()
    answer(cycle, RaterGroup.SELF, 1)
    answer(cycle, RaterGroup.MANAGER, 1)
    answer(cycle, RaterGroup.DIRECT_REPORT, 4)
    answer(cycle, RaterGroup.PEER, 2)  # below k = 3
    refused = cli(runner, "report", "generate", str(cycle.id))
    assert refused.exit_code == 1 and "is open; close it first" in refused.output

    assert cli(runner, "cycle", "close", str(cycle.id)).exit_code == 0
    subject = cycle.subjects[0]
    assert current_report(subject).status == ReportStatus.QUEUED
    assert run_queue(app)["render_report"] == 1
    report = current_report(subject)
    db.session.refresh(report)
    assert report.status == ReportStatus.READY and report.pages >= 10

    text = pdf_text(report)
    assert "Alex Leader" in text
    context = build_context(report_inputs(report))
    attending = context["sections"][0]["scores"]
    assert (attending["direct_report"]["mean"], attending["all_others"]["mean"]) == (4.0, 3.6)
    assert "Attending 5.0 2.0 4.0 3.6" in text  # self, manager, direct reports, all others
    assert "PEER-COMMENT" not in text and "DIRECT_REPORT-COMMENT" in text
    for rater in [people["boss"], *people["reports"], *people["peers"]]:
        assert rater.display_name not in text and rater.email not in text

    saved = cli(runner, "report", "save", str(cycle.id), "--out", str(tmp_path / "out"))
    assert saved.exit_code == 0, saved.output
    [path] = (tmp_path / "out").glob("*.pdf")
    assert path.name == f"cycle{cycle.id}-{subject.id}-alex-leader-v1.pdf"
    assert path.read_bytes() == report.pdf
    # Confidential: readable by the service's user only, whatever the umask.
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)


def test_facilitated_release_goes_to_the_facilitator_then_the_leader(app, runner):
    cycle, _, _ = launched_cycle(facilitated_release=True)
    subject = cycle.subjects[0]
    subject.facilitator = person("facil", "Fay Facilitator")
    answer(cycle, RaterGroup.DIRECT_REPORT, 3)
    assert cli(runner, "cycle", "close", str(cycle.id)).exit_code == 0
    early = cli(runner, "cycle", "release", str(cycle.id))
    assert early.exit_code == 1
    assert "not ready; run `feedback360 report generate" in early.output  # still queued

    run_queue(app)
    # The cover names the facilitator and the day the cycle closed, not the day planned.
    facts = report_inputs(current_report(subject))
    assert facts.facilitator == "Fay Facilitator"
    assert facts.cycle.closed_on == cycle.closed_at.date() != cycle.closes_on
    cover = PdfReader(io.BytesIO(current_report(subject).pdf)).pages[0].extract_text()
    assert "Fay Facilitator" in cover
    assert format_date(cycle.closed_at.date(), "en") in cover
    assert format_date(cycle.closes_on, "en") not in cover
    released = cli(runner, "cycle", "release", str(cycle.id))
    assert released.exit_code == 0, released.output
    assert "0 reports to leaders, 1 to facilitators" in released.output
    assert current_report(subject).status == ReportStatus.WITH_FACILITATOR
    assert emails("report_ready") == ["facil@test.example"]

    handed = cli(runner, "report", "hand-over", str(cycle.id), "leader")
    assert handed.exit_code == 0, handed.output
    assert current_report(subject).status == ReportStatus.RELEASED
    assert emails("report_ready") == ["facil@test.example", "leader@test.example"]
    again = cli(runner, "report", "hand-over", str(cycle.id), "leader")
    assert again.exit_code == 1 and "only a report released to a facilitator" in again.output


def test_a_late_answer_waits_until_it_cannot_be_subtracted(app, runner):
    cycle, _, people = launched_cycle()
    for extra in range(2):  # six direct reports in all
        nominate(cycle.subjects[0], person(f"late{extra}", f"Late Person{extra}",
                                           manager=people["leader"]), RaterGroup.DIRECT_REPORT)
    db.session.commit()
    answer(cycle, RaterGroup.MANAGER, 1)
    answer(cycle, RaterGroup.DIRECT_REPORT, 3, "4")
    assert cli(runner, "cycle", "close", str(cycle.id)).exit_code == 0
    run_queue(app)
    assert cli(runner, "cycle", "release", str(cycle.id)).exit_code == 0
    subject = cycle.subjects[0]
    first = current_report(subject)
    first_pdf = first.pdf

    # One more direct report answers after release: v1 minus v2 would be their answers.
    assert cli(runner, "cycle", "reopen", str(cycle.id)).exit_code == 0
    answer(cycle, RaterGroup.DIRECT_REPORT, 1, "1")
    assert cli(runner, "cycle", "close", str(cycle.id)).exit_code == 0
    assert current_report(subject).id == first.id  # no new version
    status = cli(runner, "report", "status", str(cycle.id))
    assert "released, version 1" in status.output and "1 late responses held back" in status.output

    # Two more arrive: three late answers together are a group of their own.
    cycles.reopen(cycle)
    answer(cycle, RaterGroup.DIRECT_REPORT, 2, "1")
    assert cli(runner, "cycle", "close", str(cycle.id)).exit_code == 0
    run_queue(app)
    second = current_report(subject)
    assert second.version == 2 and second.status == ReportStatus.READY
    assert len(second.response_ids) == len(first.response_ids) + 3 and second.held_back == 0
    released = cli(runner, "cycle", "release", str(cycle.id))
    assert "1 reports to leaders" in released.output
    assert "(updated after late responses)" in pdf_text(second)
    update = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "report_ready").order_by(OutboxMessage.id.desc())).first()
    assert update.context["is_update"] is True
    assert update.context["sign_in_url"] == "http://feedback.test/sign-in"  # the sign-in page
    db.session.refresh(first)
    assert first.pdf == first_pdf and first.status == ReportStatus.RELEASED


def test_a_worker_process_renders_what_closing_queued(make_app, base_config, tmp_path):
    """`feedback360 worker --worker-type process`: rendering happens in another process, and
    there in a child forked for the report (its peak memory is in the worker's log)."""
    queue = f"sqlite:///{tmp_path / 'tasks.sqlite'}"
    app = make_app(TASK_QUEUE_URL=queue)
    env = {**os.environ, "DATABASE_URL": base_config["DATABASE_URL"],
           "INSTANCE_PATH": str(tmp_path / "worker"), "SECRET_KEY": base_config["SECRET_KEY"],
           "TASK_QUEUE_URL": queue}
    with app.app_context():
        cycle, _, _ = launched_cycle()
        answer(cycle, RaterGroup.DIRECT_REPORT, 3)
        assert app.test_cli_runner().invoke(args=["cycle", "close", str(cycle.id)]).exit_code == 0
        report_id = current_report(cycle.subjects[0]).id
        assert app.extensions["huey"].pending_count() >= 1
        worker = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "worker", "--worker-type", "process",
             "--workers", "2", "--no-periodic"], env=env, stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "worker.log").open("w"))
        try:
            status = ReportStatus.QUEUED
            for _ in range(1200):  # the other process's progress, read from the database
                db.session.expire_all()
                status = db.session.get(Report, report_id).status
                if status != ReportStatus.QUEUED:
                    break
                try:
                    worker.wait(timeout=0.05)
                    break  # it exited: the assertion below says so
                except subprocess.TimeoutExpired:
                    pass
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        assert status == ReportStatus.READY
        assert db.session.get(Report, report_id).pages >= 10
        assert "report renderer process: peak resident memory" in (
            tmp_path / "worker.log").read_text()


def test_the_web_process_never_imports_weasyprint(tmp_path):
    code = ("import sys; from service.app import create_app; "
            "create_app({'INSTANCE_PATH': sys.argv[1]}); "
            "print('weasyprint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"
