"""`feedback360 invitation resend|reissue|send-again`: HR's tools when an invitation went astray."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli_support import transactional
from service.cycles import operations
from service.nominations import invitations
from service.nominations.models import Invitation
from service.nominations.operations import find_invitation_of
from service.people.operations import find_person


@click.group("nominations")
def nominations_cli() -> None:
    """Leaders' own lists of raters (cycles where leaders nominate)."""


@nominations_cli.command("finalise")
@click.argument("cycle_id", type=int)
@click.argument("leader")
@with_appcontext
@transactional
def finalise_command(cycle_id: int, leader: str) -> None:
    """Make a leader's list of raters final as it stands (a leader away, a manager who cannot
    act), so the cycle can launch."""
    from service.nominations.lists import finalise

    cycle = operations.get_cycle(cycle_id)
    finalise(operations.find_subject(cycle, find_person(leader)))
    click.echo("the list is final")


@nominations_cli.command("waiting")
@click.argument("cycle_id", type=int)
@with_appcontext
def waiting_command(cycle_id: int) -> None:
    """Leaders whose lists of raters are not final yet, with their state and manager."""
    from service.nominations.lists import waiting_lists

    waiting = waiting_lists(operations.get_cycle(cycle_id))
    for w in waiting:
        click.echo(f"{w.leader}\t{w.state.value}\t{w.manager or '-'}")
    click.echo(f"{len(waiting)} list(s) not final")


@click.group("invitation")
def invitation_cli() -> None:
    """Invitations: resend after a failed delivery, or reissue a lost link."""


def _find(cycle_id: int, leader: str, rater: str) -> Invitation:
    cycle = operations.get_cycle(cycle_id)
    subject = operations.find_subject(cycle, find_person(leader))
    return find_invitation_of(subject, find_person(rater))


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
    chosen = (invitations.failed_invitations(operations.get_cycle(cycle_id)) if all_failed
              else [_find(cycle_id, leader or "", rater or "")])
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
    Answers saved under the old link were sealed with it and are dropped."""
    invitation = _find(cycle_id, leader, rater)
    invitations.reissue(invitation)
    click.echo("new link queued by email; the old link no longer works")


@invitation_cli.command("send-again")
@click.argument("cycle_id", type=int)
@click.option("--leader", required=True, help="The leader (directory id or email).")
@click.option("--rater", required=True, help="The rater (directory id or email).")
@click.option("--new-link", is_flag=True, help="Reissue: a new link; the old one stops working.")
@with_appcontext
@transactional
def send_again_command(cycle_id: int, leader: str, rater: str, new_link: bool) -> None:
    """The console's "resend or reissue a link": sent where the rater has not answered yet,
    with the same words either way, so it never tells whether they have."""
    invitations.send_link_again(_find(cycle_id, leader, rater), new_link=new_link)
    click.echo("the link is sent again if the rater still needs it")
