"""`feedback360 user …`: local accounts and granted roles (each an operation with its audit row).

A generated password is printed once, after the commit (never before: a failed commit must not
leave a printed password that does not work)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from service.cli_support import transactional
from service.staff import operations
from service.staff.models import ROLES


@click.group("user")
def user_cli() -> None:
    """Staff accounts: local passwords and the hr and admin roles."""


def _read_password() -> str:
    text = sys.stdin.readline()
    return text.rstrip("\r\n")


@transactional
def _create(email: str, roles: tuple[str, ...], password: str | None) -> str:
    return operations.create_account(operations.find_staff_person(email), roles, password)


@transactional
def _set_password(email: str, password: str | None) -> str:
    return operations.set_password(operations.find_staff_person(email), password)


def _sign_in_at() -> str:
    return f"{current_app.config['BASE_URL']}/sign-in"


@user_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES),
              help="Grant this role (repeat for both).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of "
                   "generating one.")
@with_appcontext
def create_command(email: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """A local account for the person with this EMAIL (they must be in the directory or an
    import). Without --password-stdin a strong password is generated and printed once."""
    password = _create(email, roles, _read_password() if password_stdin else None)
    click.echo(f"created a local account for {email}; sign in at {_sign_in_at()}")
    if not password_stdin:
        click.echo(f"password (shown once): {password}")


@user_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of generating one.")
@with_appcontext
def set_password_command(email: str, password_stdin: bool) -> None:
    """Give the local account of EMAIL a new password (generated and printed once unless
    --password-stdin)."""
    password = _set_password(email, _read_password() if password_stdin else None)
    click.echo(f"password changed for {email}")
    if not password_stdin:
        click.echo(f"password (shown once): {password}")


@user_cli.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
@transactional
def grant_command(email: str, role: str) -> None:
    """Grant ROLE to the person with EMAIL (a local account is not needed: directory and
    OpenID Connect sign-ins are granted roles the same way)."""
    changed = operations.grant(operations.find_staff_person(email), role)
    click.echo(f"granted {role} to {email}" if changed else f"{email} already has {role}")


@user_cli.command("revoke")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
@transactional
def revoke_command(email: str, role: str) -> None:
    """Remove ROLE from the person with EMAIL (roles from directory groups are the
    directory's to change)."""
    changed = operations.revoke(operations.find_staff_person(email), role)
    click.echo(f"removed {role} from {email}" if changed else f"{email} did not have {role}")


@user_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Everyone with a local account or a granted role: email, name, roles, account."""
    members = operations.staff_members()
    if not members:
        click.echo("no staff accounts or granted roles yet; see `feedback360 user create`")
    for member in members:
        roles = ",".join(member.roles) or "-"
        kind = "local account" if member.local_account else "no local account"
        click.echo(f"{member.email}\t{member.name}\t{roles}\t{kind}")
