"""The HR console's actions on the command line (`feedback360 cycle …`): each command calls
the same operation as the page, commits once and leaves one audit row."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click
from flask.cli import with_appcontext

from service.cli_support import transactional
from service.cycles import operations
from service.cycles.cli import cycle_cli, parse_days
from service.cycles.leaders import assign_facilitator, remove_leader
from service.cycles.models import Nominator
from service.cycles.preview import launch_preview
from service.cycles.progress import cycle_progress
from service.nominations.groups import group_counts
from service.nominations.invitations import remind_pending_now
from service.nominations.operations import (
    find_nomination,
    nominate_suggested,
    remove_nomination,
)
from service.people.operations import find_person

_DATE = click.DateTime(["%Y-%m-%d"])
DEFAULT = "default"


class _GroupMin(click.ParamType):
    """A whole number, or 'default': the group follows the cycle's min group size again."""

    name = "K|default"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int | str:
        if isinstance(value, int) or value == DEFAULT:
            return value
        try:
            return int(value)
        except ValueError:
            self.fail(f"{value!r}: give a whole number, such as 3, or 'default'", param, ctx)


GROUP_MIN = _GroupMin()


@cycle_cli.command("edit")
@click.argument("cycle_id", type=int)
@click.option("--name")
@click.option("--rubric", "rubric_id")
@click.option("--opens", type=_DATE)
@click.option("--closes", type=_DATE)
@click.option("--min-group-size", type=int)
@click.option("--manager-min", type=int)
@click.option("--peer-min", type=GROUP_MIN, help="Peers' own k, or 'default' (min group size).")
@click.option("--direct-report-min", type=GROUP_MIN,
              help="Direct reports' own k, or 'default' (min group size).")
@click.option("--other-min", type=GROUP_MIN, help="Others' own k, or 'default' (min group size).")
@click.option("--language", type=click.Choice(["en", "cy"]))
@click.option("--reminders", help="Days before the close, such as 7,2; '' for none.")
@click.option("--auto-launch/--no-auto-launch", default=None)
@click.option("--auto-close/--no-auto-close", default=None)
@click.option("--facilitated-release/--no-facilitated-release", default=None)
@click.option("--nominated-by", type=click.Choice([n.value for n in Nominator]))
@with_appcontext
@transactional
def edit_command(cycle_id: int, opens: dt.datetime | None, closes: dt.datetime | None,
                 reminders: str | None, **options: Any) -> None:
    """Change a draft cycle's settings (only those given)."""
    changes = {name: None if value == DEFAULT else value
               for name, value in options.items() if value is not None}
    if opens is not None:
        changes["opens_on"] = opens.date()
    if closes is not None:
        changes["closes_on"] = closes.date()
    if reminders is not None:
        changes["reminder_days"] = parse_days(reminders)
    if not changes:
        raise click.UsageError("give at least one setting to change, such as --closes")
    changed = operations.edit_cycle(operations.get_cycle(cycle_id), **changes)
    click.echo(f"cycle {cycle_id}: changed {', '.join(changed)}")


@cycle_cli.command("cancel")
@click.argument("cycle_id", type=int)
@with_appcontext
@transactional
def cancel_command(cycle_id: int) -> None:
    """Delete a draft cycle with its leaders and nominations (nothing was sent)."""
    operations.cancel_cycle(operations.get_cycle(cycle_id))
    click.echo(f"cycle {cycle_id} cancelled")


@cycle_cli.command("extend")
@click.argument("cycle_id", type=int)
@click.option("--closes", type=_DATE, required=True, help="The new, later closing date.")
@with_appcontext
@transactional
def extend_command(cycle_id: int, closes: dt.datetime) -> None:
    """Move an open cycle's closing date later; reminders and the automatic close follow."""
    cycle = operations.get_cycle(cycle_id)
    operations.extend_closing(cycle, closes.date())
    click.echo(f"cycle {cycle_id} now closes on {cycle.closes_on}")


@cycle_cli.command("remind")
@click.argument("cycle_id", type=int)
@with_appcontext
@transactional
def remind_command(cycle_id: int) -> None:
    """Queue a reminder now to every rater who has not answered or declined."""
    queued = remind_pending_now(operations.get_cycle(cycle_id))
    click.echo(f"{queued} reminders queued; the worker sends them")


@cycle_cli.command("remove-leader")
@click.argument("cycle_id", type=int)
@click.argument("leader")
@with_appcontext
@transactional
def remove_leader_command(cycle_id: int, leader: str) -> None:
    """Take LEADER (directory id or email) and their nominations out of a draft cycle."""
    subject = operations.find_subject(operations.get_cycle(cycle_id), find_person(leader))
    name = subject.person.display_name
    remove_leader(subject)
    click.echo(f"removed {name}")


@cycle_cli.command("facilitator")
@click.argument("cycle_id", type=int)
@click.argument("leader")
@click.argument("facilitator", required=False)
@click.option("--none", "clear", is_flag=True, help="Remove the leader's facilitator.")
@with_appcontext
@transactional
def facilitator_command(cycle_id: int, leader: str, facilitator: str | None,
                        clear: bool) -> None:
    """Assign FACILITATOR to go through LEADER's report (directory ids or emails)."""
    if clear == (facilitator is not None):
        raise click.UsageError("give a FACILITATOR, or --none to remove the facilitator")
    subject = operations.find_subject(operations.get_cycle(cycle_id), find_person(leader))
    helper = find_person(facilitator) if facilitator else None
    assign_facilitator(subject, helper)
    click.echo(f"{subject.person.display_name}: facilitator "
               + (helper.display_name if helper else "none"))


@cycle_cli.command("suggest-raters")
@click.argument("cycle_id", type=int)
@click.argument("leader")
@with_appcontext
@transactional
def suggest_command(cycle_id: int, leader: str) -> None:
    """Nominate LEADER's self, manager, direct reports and peers from the org chart."""
    subject = operations.find_subject(operations.get_cycle(cycle_id), find_person(leader))
    outcome = nominate_suggested(subject)
    click.echo(f"{outcome.total} raters nominated"
               + (f"; not nominated: {'; '.join(outcome.skipped)}" if outcome.skipped else ""))
    _print_counts(group_counts(subject))


@cycle_cli.command("remove-nomination")
@click.argument("cycle_id", type=int)
@click.argument("leader")
@click.argument("rater")
@with_appcontext
@transactional
def remove_nomination_command(cycle_id: int, leader: str, rater: str) -> None:
    """Take RATER off LEADER's raters (before launch only)."""
    subject = operations.find_subject(operations.get_cycle(cycle_id), find_person(leader))
    remove_nomination(find_nomination(subject, find_person(rater)))
    click.echo("nomination removed")
    _print_counts(group_counts(subject))


@cycle_cli.command("nominations")
@click.argument("cycle_id", type=int)
@click.argument("leader")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@transactional
def nominations_command(cycle_id: int, leader: str, as_json: bool) -> None:
    """LEADER's raters per group against each group's threshold, with warnings."""
    subject = operations.find_subject(operations.get_cycle(cycle_id), find_person(leader))
    counts = group_counts(subject)
    if as_json:
        click.echo(json.dumps([count.as_dict() for count in counts]))
        return
    _print_counts(counts)


def _print_counts(counts: list[Any]) -> None:
    for count in counts:
        line = f"  {count.group}: {count.nominated} nominated, {count.threshold} needed"
        click.echo(line + (f" -- {count.warning}" if count.warning else ""))


@cycle_cli.command("preview")
@click.argument("cycle_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@transactional
def preview_command(cycle_id: int, as_json: bool) -> None:
    """What launching the cycle will do: emails per group and leader, when, and warnings."""
    preview = launch_preview(operations.get_cycle(cycle_id))
    if as_json:
        click.echo(json.dumps(preview, ensure_ascii=False))
        return
    click.echo(f"cycle {preview['cycle']} ({preview['name']}): {preview['emails']} invitation "
               f"emails to {preview['recipients']} people, sent {preview['sent']}")
    click.echo("  " + ", ".join(f"{group} {n}" for group, n in preview["per_group"].items()))
    for day in preview["reminders"]:
        click.echo(f"  reminder to raters who have not answered on {day['on']}")
    click.echo(f"  closes {preview['closes_on']}: {preview['closing']}")
    for row in preview["leaders"]:
        click.echo(f"{row['leader']}: {row['emails']} emails"
                   + "".join(f"\n  warning: {warning}" for warning in row["warnings"]))
    for problem in preview["problems"]:
        click.echo(f"cannot launch: {problem}")


@cycle_cli.command("progress")
@click.argument("cycle_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@transactional
def progress_command(cycle_id: int, as_json: bool) -> None:
    """Responses per leader and group (counts only), groups at risk, email problems."""
    progress = cycle_progress(operations.get_cycle(cycle_id))
    if as_json:
        click.echo(json.dumps(progress, ensure_ascii=False))
        return
    left = (f", {progress['days_left']} days left" if progress["days_left"] is not None
            else "")
    click.echo(f"cycle {progress['cycle']} ({progress['name']}): {progress['state']}, "
               f"{progress['responded']} of {progress['invited']} responded{left}")
    for row in progress["leaders"]:
        click.echo(f"{row['leader']}: {row['responded']} of {row['invited']} responded, "
                   f"{row['declined']} declined")
        for group in row["groups"]:
            note = {"at_risk": " -- at risk", "cannot_reach": " -- cannot reach its threshold"
                    }.get(group["outlook"], "")
            click.echo(f"  {group['group']}: {group['responded']} of {group['invited']} "
                       f"(needs {group['threshold']}), {group['declined']} declined{note}")
        for problem in row["email_problems"]:
            click.echo(f"  email: {problem}")
