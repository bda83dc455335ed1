"""`feedback360 apikey …`: create, list and revoke API keys. A new key is printed once, after
the commit (a failed commit must not leave a printed key that does not work)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.api import keys
from service.cli_support import transactional

SCOPE_HELP = "; ".join(f"{name}: {what}" for name, what in keys.SCOPES.items())  # English


@click.group("apikey")
def apikey_cli() -> None:
    """Keys for the REST API (/api/v1), each with its scopes."""


@transactional
def _create(name: str, scopes: list[str], days: int | None) -> str:
    return keys.create_key(name, scopes, days).secret


@apikey_cli.command("create")
@click.option("--name", required=True, help="How the audit log names the key's calls.")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(list(keys.SCOPES)),
              help=f"What the key may do (repeat for more). {SCOPE_HELP}.")
@click.option("--expires-in-days", "days", type=click.IntRange(1, keys.MAX_DAYS),
              default=None, help="The key stops working after this many days (default: never).")
@with_appcontext
def create_command(name: str, scopes: tuple[str, ...], days: int | None) -> None:
    """Create a key and print it once: it is stored only as a hash."""
    secret = _create(name, list(scopes), days)
    click.echo(secret)
    click.echo("Keep this key now: it is not stored and cannot be shown again.", err=True)


@apikey_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Every key: id, state, name, scopes, expiry, last use (never the key itself)."""
    for key in keys.list_keys():
        expires = f"{key.expires_at:%Y-%m-%d}" if key.expires_at else "never"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        click.echo(f"{key.id}\t{keys.key_state(key)}\t{key.name}\t{' '.join(key.scopes)}\t"
                   f"expires {expires}\tlast used {used}\t{key.prefix}…")


@apikey_cli.command("revoke")
@click.argument("key_id", type=int)
@with_appcontext
@transactional
def revoke_command(key_id: int) -> None:
    """Revoke a key: its next call gets 401."""
    key = keys.get_key(key_id)
    keys.revoke_key(key)
    click.echo(f"revoked {key.name}")
