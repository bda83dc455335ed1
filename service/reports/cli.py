"""`feedback360 report …`: generate, follow, hand over and save a cycle's reports."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from service.cli_support import transactional
from service.cycles.models import Subject
from service.cycles.operations import find_subject, get_cycle
from service.db import cancel_after_commit, db
from service.people.operations import find_person
from service.reports.operations import (
    generate_reports,
    hand_over,
    report_status,
    save_reports,
)


@click.group("report")
def report_cli() -> None:
    """Feedback reports (PDF): rendered by the worker when a cycle closes."""


def _subject(cycle_id: int, key: str) -> Subject:
    return find_subject(get_cycle(cycle_id), find_person(key))


@report_cli.command("generate")
@click.argument("cycle_id", type=int)
@click.option("--here", is_flag=True,
              help="Render in this process instead of the task queue (small cycles, tests).")
@with_appcontext
@transactional
def generate_command(cycle_id: int, here: bool) -> None:
    """Queue a new report version for every leader whose responses changed, and any that
    failed or are still waiting; the worker renders them."""
    from service.tasks.jobs import render_report

    cycle = get_cycle(cycle_id)
    queued = generate_reports(cycle)
    if not here:
        click.echo(f"{len(queued)} reports queued for the worker; `feedback360 report status "
                   f"{cycle.id}` shows progress")
        return
    ids = [report.id for report in queued]
    cancel_after_commit(f"render-reports-{cycle.id}")  # rendered here, not by the worker
    db.session.commit()
    rendered = sum(render_report(report_id) for report_id in ids)
    click.echo(f"{rendered} of {len(ids)} reports rendered")


@report_cli.command("status")
@click.argument("cycle_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def status_command(cycle_id: int, as_json: bool) -> None:
    """Where each leader's report is: queued, ready, with the facilitator, released."""
    rows = report_status(get_cycle(cycle_id))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        line = f"{row['leader']}: {row['status']}"
        if row["version"]:
            line += f", version {row['version']}"
        if row["pages"]:
            line += f", {row['pages']} pages"
        if row["held_back"]:
            line += f", {row['held_back']} late responses held back"
        if row["error"]:
            line += f" ({row['error']})"
        click.echo(line)


@report_cli.command("hand-over")
@click.argument("cycle_id", type=int)
@click.argument("leaders", nargs=-1, required=True)
@with_appcontext
@transactional
def hand_over_command(cycle_id: int, leaders: tuple[str, ...]) -> None:
    """After the facilitated session: release the report to the leader (directory id or
    email)."""
    get_cycle(cycle_id)
    for key in leaders:
        report = hand_over(_subject(cycle_id, key))
        click.echo(f"{report.subject.person.display_name}: released to the leader")


@report_cli.command("save")
@click.argument("cycle_id", type=int)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True)
@click.option("--leader", "leaders", multiple=True,
              help="Only this leader (directory id or email); repeat for more.")
@with_appcontext
@transactional
def save_command(cycle_id: int, out_dir: Path, leaders: tuple[str, ...]) -> None:
    """Write the current PDF of each leader's report into OUT (for delivery by hand until the
    download page exists). The files are confidential: they belong to the leaders."""
    cycle = get_cycle(cycle_id)
    subjects = [_subject(cycle_id, key) for key in leaders] or None
    for path in save_reports(cycle, out_dir, subjects):
        click.echo(str(path))
