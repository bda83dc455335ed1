"""`feedback360 directory sync|status|check-login`."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from integrations.ldap.settings import settings_from_config
from service.cli_support import transactional
from service.db import db
from service.directory.login import authenticate
from service.directory.sync import last_sync, sync_directory


@click.group("directory")
def directory_cli() -> None:
    """The organisation's directory over LDAP (settings: LDAP_*)."""


@directory_cli.command("sync")
@click.option("--full", is_flag=True,
              help="Read every entry (finds leavers). Default: only changes since the last run.")
@click.option("--dry-run", is_flag=True, help="Print the counts and first changes; save nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@click.option("--allow-mass-deactivation", is_flag=True,
              help="Go ahead even if more than LDAP_MAX_DEACTIVATE_PERCENT would be deactivated.")
@with_appcontext
@transactional
def sync_command(full: bool, dry_run: bool, as_json: bool,
                 allow_mass_deactivation: bool) -> None:
    """Bring people in from the directory, keyed on its stable id; never deletes anyone."""
    settings = settings_from_config(current_app.config)
    report = sync_directory(settings, full=full, dry_run=dry_run,
                            allow_mass_deactivation=allow_mass_deactivation)
    if dry_run:
        db.session.rollback()
    if as_json:
        click.echo(json.dumps({**report.as_dict(),
                               **({"changes": report.changes} if dry_run else {})}))
        return
    prefix = "dry run, nothing saved: would have " if dry_run else ""
    click.echo(f"{report.mode} sync ({report.reason}): {prefix}{report.counts}")
    if dry_run:
        for change in report.changes:
            click.echo(f"  {change}")
        if report.warning:
            click.echo(f"a real run would stop: {report.warning}")


@directory_cli.command("status")
@with_appcontext
def status_command() -> None:
    """When the last sync and the last full sync ran, and what they did."""
    state = last_sync()
    click.echo(json.dumps(state, indent=2) if state else "the directory has never been synced")


@directory_cli.command("check-login")
@click.argument("username")
@click.password_option(confirmation_prompt=False)
@with_appcontext
@transactional
def check_login_command(username: str, password: str) -> None:
    """Check a staff username and password against the directory (for setting up login)."""
    directory_id = authenticate(settings_from_config(current_app.config), username, password)
    if directory_id is None:
        raise click.ClickException("not accepted: unknown or disabled user, or wrong password")
    click.echo(f"accepted: directory id {directory_id}")
