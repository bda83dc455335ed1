"""`feedback360 report render --cycle ID --out DIR`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from service.cli_support import transactional
from service.cycles.operations import get_cycle
from service.reports.operations import render_cycle_reports


@click.group("report")
def report_cli() -> None:
    """Feedback reports (PDF)."""


@report_cli.command("render")
@click.option("--cycle", "cycle_id", type=int, required=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True)
@with_appcontext
@transactional
def render_command(cycle_id: int, out_dir: Path) -> None:
    """Write one PDF per leader of a closed cycle into OUT."""
    for path in render_cycle_reports(get_cycle(cycle_id), out_dir):
        click.echo(str(path))
