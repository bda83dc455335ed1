"""What launching a cycle will do, for the confirmation HR reads before pressing the button:
how many emails to whom (per group and per leader), when they and the reminders go, and what
would stop the launch or leave a group's scores hidden. Reads only; a few grouped queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from service.cycles.models import Cycle, CycleState, Subject
from service.db import db
from service.nominations.groups import cycle_group_counts, group_order
from service.nominations.models import Nomination
from service.people.models import Person


def launch_preview(cycle: Cycle, today: dt.date | None = None) -> dict[str, Any]:
    today = today or dt.date.today()
    groups = cycle_group_counts(cycle)
    names = dict(db.session.execute(
        select(Subject.id, Person.display_name).join(Person, Subject.person_id == Person.id)
        .where(Subject.cycle_id == cycle.id)).all())
    recipients = db.session.scalar(
        select(func.count(func.distinct(Nomination.person_id)))
        .join(Subject, Nomination.subject_id == Subject.id)
        .where(Subject.cycle_id == cycle.id)) or 0
    leaders = []
    for subject_id, counts in sorted(groups.items(), key=lambda item: (names[item[0]], item[0])):
        leaders.append({
            "subject_id": subject_id, "leader": names[subject_id],
            "emails": sum(c.nominated for c in counts),
            "groups": [c.as_dict() for c in counts],
            "warnings": [c.warning for c in counts if c.warning],
        })
    per_group = {key: 0 for key in group_order(cycle)}
    for counts in groups.values():
        for count in counts:
            per_group[count.group] += count.nominated
    problems = []
    if cycle.state != CycleState.DRAFT:
        problems.append(f"the cycle is {cycle.state.value}; only a draft cycle is launched")
    if cycle.closes_on < today:
        problems.append(f"the closing date {cycle.closes_on} has passed; edit the cycle first")
    if not leaders:
        problems.append("the cycle has no leaders; add a cohort first")
    bare = [row["leader"] for row in leaders if not row["emails"]]
    if bare:
        problems.append("nobody is nominated to rate " + ", ".join(bare))
    launch_day = max(today, cycle.opens_on) if cycle.auto_launch else today
    return {
        "cycle": cycle.id, "name": cycle.name,
        "emails": sum(per_group.values()), "recipients": recipients, "per_group": per_group,
        "leaders": leaders,
        "sent": (f"on {launch_day}, when the worker launches the cycle" if cycle.auto_launch
                 else "when you launch; the worker sends them within minutes"),
        "reminders": [{"days_before_close": day,
                       "on": (cycle.closes_on - dt.timedelta(days=day)).isoformat()}
                      for day in cycle.reminder_days
                      if cycle.closes_on - dt.timedelta(days=day) > launch_day],
        "closes_on": cycle.closes_on.isoformat(),
        "closing": (f"the worker closes the cycle on {cycle.closes_on + dt.timedelta(days=1)}"
                    if cycle.auto_close else "you close the cycle by hand"),
        "problems": problems,
    }
