""""Your report is ready": an outbox row in the same transaction as the release."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from service.nominations.invitations import cycle_context
from service.outbox import writer as outbox

if TYPE_CHECKING:
    from service.cycles.models import Subject


def notify_report_ready(subject: Subject, *, to_leader: bool, is_update: bool) -> bool:
    """Tell the leader (or, in a facilitated release, the facilitator) that a version is ready;
    an update of one they had says so. False when the reader has no address to write to."""
    cycle = subject.cycle
    leader = subject.person
    reader = leader if to_leader else subject.facilitator
    if reader is None or not reader.email:
        return False
    context = {**cycle_context(cycle), "sign_in_url": f"{current_app.config['BASE_URL']}/sign-in",
               "recipient_name": reader.display_name, "leader_name": leader.display_name,
               "is_leader": to_leader, "is_update": is_update}
    outbox.write([outbox.message("report_ready", reader.email,
                                 reader.language or cycle.language, context,
                                 cycle_id=cycle.id)])
    return True
