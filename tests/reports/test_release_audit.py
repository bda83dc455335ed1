"""Close, release and hand-over are operations that leave exactly one audit row each."""

from __future__ import annotations

from service.audit.models import AuditEvent
from service.db import db
from service.nominations.models import RaterGroup
from tests.factories import launched_cycle, person
from tests.reports.test_release import answer, cli, run_queue


def _actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_close_release_and_hand_over_each_leave_one_entry(app, runner):
    cycle, _, _ = launched_cycle(facilitated_release=True)
    cycle.subjects[0].facilitator = person("facil", "Fay Facilitator")
    answer(cycle, RaterGroup.DIRECT_REPORT, 3)
    for args, action in [(("cycle", "close", str(cycle.id)), "cycle.close"),
                         (("cycle", "release", str(cycle.id)), "cycle.release"),
                         (("report", "hand-over", str(cycle.id), "leader"), "report.hand_over")]:
        before = _actions()
        result = cli(runner, *args)
        assert result.exit_code == 0, result.output
        assert _actions() == [*before, action], args
        if action == "cycle.close":
            run_queue(app)  # the worker renders; it is not a staff action
            assert _actions() == [*before, action]
    refused = cli(runner, "report", "hand-over", str(cycle.id), "leader")
    assert refused.exit_code == 1
    assert _actions()[-1] == "report.hand_over"  # a refused action leaves nothing
    assert _actions().count("report.hand_over") == 1
