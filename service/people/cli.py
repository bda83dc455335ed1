"""`feedback360 people import FILE`: CSV or LDIF, upserting on the directory id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import click
from flask.cli import with_appcontext

from service.cli_support import transactional
from service.db import db
from service.people.operations import (
    CSV_COLUMNS,
    export_people,
    parse_people_file,
    search_people,
    upsert_people,
    write_people_csv,
)


@click.group("people")
def people_cli() -> None:
    """People: from the directory sync, or imported from files."""


@people_cli.command(
    "import",
    help="Import people from a .csv file (columns: " + ", ".join(CSV_COLUMNS)
    + "; directory_id and email required) or an .ldif file. Upserts on directory_id.",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and count, change nothing.")
@with_appcontext
@transactional
def import_command(path: Path, dry_run: bool) -> None:
    counts = upsert_people(parse_people_file(path))
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run, nothing saved: would have {counts}")
        return
    click.echo(f"imported {path.name}: {counts}")


@people_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write [default: standard output].")
@with_appcontext
def export_command(fmt: str, output: IO[str]) -> None:
    """Write every person (active or not) with their directory id, names, email, title,
    department, manager's directory id, language and active flag. UTF-8."""
    rows = export_people()
    if fmt == "json":
        json.dump(rows, output, ensure_ascii=False, indent=1)
        output.write("\n")
    else:
        write_people_csv(rows, output)


@people_cli.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@with_appcontext
@transactional
def search_command(text: str, limit: int) -> None:
    """Active people whose name, email, directory id or department contains TEXT."""
    for person in search_people(text, limit):
        click.echo(f"{person.directory_id}\t{person.email}\t{person.display_name}\t"
                   f"{person.department}")
