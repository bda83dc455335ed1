"""`feedback360 rubric check FILE` and `feedback360 rubric list`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from service.rubrics.loader import RubricError, load_rubric_file, summary


@click.group("rubric")
def rubric_cli() -> None:
    """Rubric files: check and list."""


@rubric_cli.command("check")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def check_command(path: Path) -> None:
    """Validate a rubric file: print its summary, or every problem with its field, and exit 1."""
    try:
        rubric = load_rubric_file(path)
    except RubricError as exc:
        for problem in exc.problems:
            click.echo(f"{exc.path}: {problem}", err=True)
        click.echo(f"{len(exc.problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo(summary(rubric))


@rubric_cli.command("list")
@with_appcontext
def list_command() -> None:
    """List the rubrics in RUBRICS_DIR."""
    for path in sorted(Path(current_app.config["RUBRICS_DIR"]).glob("*.y*ml")):
        try:
            rubric = load_rubric_file(path)
            click.echo(f"{rubric['id']}\tv{rubric['version']}\t{rubric['title']['en']}")
        except RubricError as exc:
            click.echo(f"{path.name}\tINVALID\t{len(exc.problems)} problem(s): "
                       f"run `feedback360 rubric check {path}`")
