"""`feedback360 invitation resend|reissue`: HR's tools when an invitation went astray."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from service.cli_support import transactional
from service.cycles import operations
from service.cycles.cli import find_person
from service.cycles.models import Subject
from service.db import db
from service.errors import InvalidInput
from service.nominations import invitations
from service.nominations.models import Invitation, InvitationStatus, Nomination
from service.outbox.models import OutboxMessage, OutboxStatus


@click.group("invitation")
def invitation_cli() -> None:
    """Invitations: resend after a failed delivery, or reissue a lost link."""


def _find(cycle_id: int, leader: str, rater: str) -> Invitation:
    cycle = operations.get_cycle(cycle_id)
    leader_person, rater_person = find_person(leader), find_person(rater)
    invitation = db.session.scalar(
        select(Invitation).join(Nomination).join(Subject)
        .where(Subject.cycle_id == cycle.id, Subject.person_id == leader_person.id,
               Nomination.person_id == rater_person.id))
    if invitation is None:
        raise InvalidInput(f"{rater_person.display_name} has no invitation about "
                           f"{leader_person.display_name} in cycle {cycle.id}")
    return invitation


def _failed(cycle_id: int) -> list[Invitation]:
    """Pending invitations whose invitation or reminder email failed for good."""
    operations.get_cycle(cycle_id)
    failed_ids = select(OutboxMessage.invitation_id).where(
        OutboxMessage.cycle_id == cycle_id, OutboxMessage.status == OutboxStatus.FAILED)
    return list(db.session.scalars(select(Invitation).where(
        Invitation.id.in_(failed_ids), Invitation.status == InvitationStatus.PENDING)
        .order_by(Invitation.id)))


@invitation_cli.command("resend")
@click.argument("cycle_id", type=int)
@click.option("--leader", help="The leader (directory id or email).")
@click.option("--rater", help="The rater (directory id or email).")
@click.option("--all-failed", is_flag=True, help="Every invitation whose email failed.")
@with_appcontext
@transactional
def resend_command(cycle_id: int, leader: str | None, rater: str | None,
                   all_failed: bool) -> None:
    """Send the invitation email again, with the same link, to the address the directory has
    now (fix a bounced address there first)."""
    if all_failed == bool(leader and rater) or (leader is None) != (rater is None):
        raise click.UsageError("give --leader and --rater, or --all-failed")
    chosen = _failed(cycle_id) if all_failed else [_find(cycle_id, leader or "", rater or "")]
    for invitation in chosen:
        invitations.resend(invitation)
    click.echo(f"{len(chosen)} invitation email(s) queued again")


@invitation_cli.command("reissue")
@click.argument("cycle_id", type=int)
@click.option("--leader", required=True, help="The leader (directory id or email).")
@click.option("--rater", required=True, help="The rater (directory id or email).")
@with_appcontext
@transactional
def reissue_command(cycle_id: int, leader: str, rater: str) -> None:
    """A new personal link for a rater who lost theirs; the old link stops working now.
    Saved answers stay with the invitation."""
    invitation = _find(cycle_id, leader, rater)
    invitations.reissue(invitation)
    click.echo("new link queued by email; the old link no longer works")
