"""`feedback360 cycle …`: create a cycle, add leaders and raters, launch, close, release."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import IO

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from service.cli_support import transactional
from service.cycles import cohorts, operations
from service.cycles.groups import add_group, groups_out, named_group, remove_group
from service.cycles.leaders import add_leaders
from service.cycles.models import Cycle, Nominator, Subject
from service.db import db
from service.nominations.models import BUILT_IN_GROUPS
from service.nominations.operations import nominate_into, nominate_suggested
from service.people.operations import find_person


@click.group("cycle")
def cycle_cli() -> None:
    """Feedback cycles."""


@cycle_cli.command("create")
@click.option("--name", required=True)
@click.option("--rubric", "rubric_id", default="compassionate-inclusive-leadership",
              show_default=True)
@click.option("--opens", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--min-group-size", type=int, default=None,
              help="k for peers, direct reports, others [default: MIN_GROUP_SIZE, 3]")
@click.option("--manager-min", type=int, default=None,
              help="responses needed to show the manager [default: MANAGER_MIN, 1]")
@click.option("--peer-min", type=int, default=None, help="peers' own k [default: min group size]")
@click.option("--direct-report-min", type=int, default=None,
              help="direct reports' own k [default: min group size]")
@click.option("--other-min", type=int, default=None, help="others' own k [default: min group size]")
@click.option("--language", type=click.Choice(["en", "cy"]), default="en", show_default=True)
@click.option("--reminders", default=None,
              help="Days before the close when pending raters are reminded, such as 7,2 "
              "(the default, where the cycle is long enough); '' for none.")
@click.option("--auto-launch", is_flag=True,
              help="The worker launches the cycle on its opening date.")
@click.option("--auto-close/--no-auto-close", default=True, show_default=True,
              help="The worker closes the cycle the day after its closing date.")
@click.option("--facilitated-release", is_flag=True,
              help="Reports go to each leader's facilitator first, who hands them over in the "
              "feedback session (`feedback360 report hand-over`).")
@click.option("--nominated-by", type=click.Choice([n.value for n in Nominator]),
              default=Nominator.HR.value, show_default=True,
              help="Who chooses each leader's raters.")
@with_appcontext
@transactional
def create_command(name: str, rubric_id: str, opens: dt.datetime, closes: dt.datetime,
                   min_group_size: int | None, manager_min: int | None,
                   peer_min: int | None, direct_report_min: int | None,
                   other_min: int | None, language: str,
                   reminders: str | None, auto_launch: bool, auto_close: bool,
                   facilitated_release: bool, nominated_by: str) -> None:
    """Create a draft cycle."""
    reminder_days = None if reminders is None else parse_days(reminders)
    cycle = operations.create_cycle(name, rubric_id, opens.date(), closes.date(),
                                    min_group_size=min_group_size, manager_min=manager_min,
                                    peer_min=peer_min, direct_report_min=direct_report_min,
                                    other_min=other_min,
                                    language=language, reminder_days=reminder_days,
                                    auto_launch=auto_launch, auto_close=auto_close,
                                    facilitated_release=facilitated_release,
                                    nominated_by=nominated_by)
    click.echo(f"created cycle {cycle.id} ({cycle.name}), draft")


def parse_days(text: str) -> list[int]:
    """'7,2' -> [7, 2]; '' -> no reminders."""
    try:
        return [int(day) for day in text.split(",") if day.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give whole days, such as 7,2",
                                 param_hint="--reminders") from None


@cycle_cli.command("add-leader")
@click.argument("cycle_id", type=int)
@click.argument("people", nargs=-1, required=True)
@click.option("--suggest-raters", "suggest", is_flag=True,
              help="Also nominate self, manager, direct reports and peers from the org chart.")
@click.option("--facilitator", help="Who goes through the report with them (id or email).")
@with_appcontext
@transactional
def add_leader_command(cycle_id: int, people: tuple[str, ...], suggest: bool,
                       facilitator: str | None) -> None:
    """Add leaders (directory ids or emails) to a cycle."""
    cycle = operations.get_cycle(cycle_id)
    helper = find_person(facilitator) if facilitator else None
    for key in people:
        subject = operations.add_subject(cycle, find_person(key), helper)
        if not suggest:
            click.echo(f"added {subject.person.display_name}")
            continue
        outcome = nominate_suggested(subject)
        click.echo(f"added {subject.person.display_name} with {outcome.total} raters"
                   + (f"; not nominated: {'; '.join(outcome.skipped)}" if outcome.skipped
                      else ""))


@cycle_cli.command("add-cohort")
@click.argument("cycle_id", type=int)
@click.option("--department", help="Leaders in this department.")
@click.option("--under", "under", metavar="KEY",
              help="Leaders anywhere below this manager (directory id or email).")
@click.option("--emails", type=click.File(encoding="utf-8"),
              help="A file with one leader's email address per line ('-' for stdin).")
@click.option("--all-staff", is_flag=True,
              help="With --department or --under, include people without direct reports.")
@click.option("--suggest-raters", "suggest", is_flag=True,
              help="Nominate each leader's manager, direct reports and peers as a start.")
@click.option("--dry-run", is_flag=True, help="List who would be added; save nothing.")
@with_appcontext
@transactional
def add_cohort_command(cycle_id: int, department: str | None, under: str | None,
                       emails: IO[str] | None, all_staff: bool, suggest: bool,
                       dry_run: bool) -> None:
    """Add a cohort of leaders picked from the organisation chart."""
    if sum(option is not None for option in (department, under, emails)) != 1:
        raise click.UsageError("give exactly one of --department, --under or --emails")
    if all_staff and emails is not None:
        raise click.UsageError("--all-staff goes with --department or --under, not --emails")
    cycle = operations.get_cycle(cycle_id)
    if department is not None:
        leaders = cohorts.by_department(department, leaders_only=not all_staff)
    elif under is not None:
        leaders = cohorts.under_manager(find_person(under), leaders_only=not all_staff)
    else:
        assert emails is not None
        leaders = cohorts.by_emails(emails.read().splitlines())
    how = (f"department {department}" if department is not None
           else f"below {under}" if under is not None else "from a list")
    outcome = add_leaders(cycle, leaders, how)
    for leader in outcome.already:
        click.echo(f"{leader.display_name}: already a leader in this cycle, left as is")
    for subject in outcome.added:
        click.echo(f"{subject.person.display_name}" + (f": {_nominate_suggested(subject)}"
                                                       if suggest else ""))
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run, nothing saved: {len(leaders)} leaders found")


def _nominate_suggested(subject: Subject) -> str:
    outcome = nominate_suggested(subject)
    text = ", ".join(f"{count} {group.value.replace('_', ' ')}"
                     for group, count in outcome.nominated.items())
    if outcome.skipped:
        text += f"; not nominated: {'; '.join(outcome.skipped)}"
    return text


@cycle_cli.command("nominate")
@click.argument("cycle_id", type=int)
@click.argument("leader")
@click.argument("rater")
@click.argument("group")
@with_appcontext
@transactional
def nominate_command(cycle_id: int, leader: str, rater: str, group: str) -> None:
    """Nominate RATER to give feedback on LEADER, as GROUP: self, manager, peer,
    direct_report, other, or the key of one of the cycle's own groups."""
    cycle = operations.get_cycle(cycle_id)
    subject = operations.find_subject(cycle, find_person(leader))
    nomination = nominate_into(subject, find_person(rater), named_group(cycle, group))
    click.echo(f"nominated {nomination.person.display_name} as {group}")


@cycle_cli.command("groups")
@click.argument("cycle_id", type=int)
@with_appcontext
def groups_command(cycle_id: int) -> None:
    """List the cycle's thresholds and its own rater groups."""
    cycle = operations.get_cycle(cycle_id)
    limits = cycle.thresholds
    for group in BUILT_IN_GROUPS:
        click.echo(f"{group.value}\tk={limits.for_group(group.value)}")
    for own in groups_out(cycle):
        click.echo(f"{own['key']}\tk={own['min_size']}\t{own['name_en']} / {own['name_cy']}")


@cycle_cli.command("group-add")
@click.argument("cycle_id", type=int)
@click.option("--name-en", required=True, help="The group's name in English.")
@click.option("--name-cy", required=True, help="The group's name in Welsh.")
@click.option("--min-size", type=int, required=True,
              help="Responses needed before the group's figures are shown (at least 2).")
@click.option("--key", default=None,
              help="Short stable key, such as patients [default: from the English name].")
@with_appcontext
@transactional
def group_add_command(cycle_id: int, name_en: str, name_cy: str, min_size: int,
                      key: str | None) -> None:
    """Give a draft cycle a rater group of its own."""
    group = add_group(operations.get_cycle(cycle_id), name_en, name_cy, min_size, key)
    click.echo(f"cycle {cycle_id}: added group {group.key} ({group.name_en}, k={group.min_size})")


@cycle_cli.command("group-remove")
@click.argument("cycle_id", type=int)
@click.argument("key")
@with_appcontext
@transactional
def group_remove_command(cycle_id: int, key: str) -> None:
    """Remove one of a draft cycle's own rater groups (nobody may be nominated in it)."""
    remove_group(operations.get_cycle(cycle_id), key)
    click.echo(f"cycle {cycle_id}: removed group {key}")


@cycle_cli.command("launch")
@click.argument("cycle_id", type=int)
@with_appcontext
@transactional
def launch_command(cycle_id: int) -> None:
    """Freeze the rubric, open the cycle and queue one invitation per nomination."""
    cycle = operations.get_cycle(cycle_id)
    tokens = operations.launch(cycle)
    click.echo(f"cycle {cycle.id} open: {len(tokens)} invitations queued; the worker "
               "(`feedback360 worker`) sends them")


def _state_command(name: str, change: Callable[[Cycle], None], help_text: str) -> None:
    @cycle_cli.command(name, help=help_text)
    @click.argument("cycle_id", type=int)
    @with_appcontext
    @transactional
    def command(cycle_id: int) -> None:
        cycle = operations.get_cycle(cycle_id)
        change(cycle)
        click.echo(f"cycle {cycle.id} is now {cycle.state.value}")


_state_command("close", operations.close,
               "Close a cycle: links stop working, unsent drafts are deleted, and each leader's "
               "report is queued for the worker to render.")


@cycle_cli.command("reopen")
@click.argument("cycle_id", type=int)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="A new closing date, when the old one has passed.")
@with_appcontext
@transactional
def reopen_command(cycle_id: int, closes: dt.datetime | None) -> None:
    """Re-open a closed or released cycle for late responses. Released reports stay as they
    are; closing again makes new versions where that cannot reveal a late answer."""
    cycle = operations.get_cycle(cycle_id)
    operations.reopen(cycle, closes.date() if closes else None)
    click.echo(f"cycle {cycle.id} is open again until {cycle.closes_on}")


@cycle_cli.command("release")
@click.argument("cycle_id", type=int)
@with_appcontext
@transactional
def release_command(cycle_id: int) -> None:
    """Release a closed cycle's rendered reports: to each leader, or to their facilitator first
    when the cycle has facilitated release."""
    cycle = operations.get_cycle(cycle_id)
    counts = operations.release(cycle)
    click.echo(f"cycle {cycle.id} released: {counts['to_leader']} reports to leaders, "
               f"{counts['to_facilitator']} to facilitators, {counts['unchanged']} unchanged")


@cycle_cli.command("list")
@with_appcontext
def list_command() -> None:
    """All cycles with their state."""
    for cycle in db.session.scalars(select(Cycle).order_by(Cycle.id)):
        click.echo(f"{cycle.id}\t{cycle.state.value}\t{cycle.opens_on} – {cycle.closes_on}\t"
                   f"{len(cycle.subjects)} leaders\t{cycle.name}")


@cycle_cli.command("status")
@click.argument("cycle_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@transactional
def status_command(cycle_id: int, as_json: bool) -> None:
    """Response counts per leader (never who answered), and the cycle's email: sent, pending
    and failed, with the reason for each failure or retry."""
    status = operations.cycle_status(operations.get_cycle(cycle_id))
    if as_json:
        click.echo(json.dumps(status))
        return
    click.echo(f"cycle {status['cycle']} ({status['name']}): {status['state']}")
    for row in status["subjects"]:
        click.echo(f"  {row['leader']}: submitted {row['submitted']}, pending {row['pending']}, "
                   f"declined {row['declined']}")
    click.echo("email: " + ", ".join(f"{name} {count}" for name, count in status["email"].items()))
    for problem in status["email_problems"]:
        when = (f", next try {problem['next_attempt_at']}" if problem["next_attempt_at"]
                else "")
        click.echo(f"  {problem['status']}: {problem['message']} to {problem['recipient']} "
                   f"after {problem['attempts']} attempts{when}: {problem['reason']}")


from service.cycles import cli_console  # noqa: E402, F401  (more commands on this group)
