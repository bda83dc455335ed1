"""The existing operations emit their events in their own transaction, ids only."""

from __future__ import annotations

from sqlalchemy import event, select

from service.db import db
from service.plans.operations import save_plan
from service.sharing import integration
from service.sharing.models import ShareRole
from service.sharing.operations import share_report
from service.webhooks import endpoints
from service.webhooks.events import EVENTS, emit
from service.webhooks.models import WebhookDelivery
from tests import factories
from tests.leaders.support import released, released_report


def _events():
    return [(d.event_type, d.payload["data"]) for d in
            db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]


def test_launch_close_release_share_and_plan_emit(hooks_app):
    endpoints.create_endpoint("https://93.184.216.34/hooks", "Everything", list(EVENTS))
    db.session.commit()
    people = factories.team(size_reports=3, size_peers=0)
    subject = released_report(people["leader"], people["boss"], people["reports"])
    db.session.commit()
    report = released(subject)
    cycle_id = subject.cycle_id
    ids = {"cycle_id": cycle_id, "subject_id": subject.id, "leader_id": subject.person_id}
    assert _events() == [("cycle.launched", {"cycle_id": cycle_id}),
                         ("cycle.closed", {"cycle_id": cycle_id}),
                         ("report.released", {**ids, "report_version": report.version})]
    # A share with a person (a mentor) is between the leader and them: no event.
    share_report(subject, people["boss"], ShareRole.MENTOR, by=people["leader"])
    db.session.commit()
    assert _events()[-1][0] == "report.released"
    # Sharing with the appraisal integration is what receivers are told of.
    integration.give_consent(subject, by=people["leader"])
    db.session.commit()
    assert _events()[-1] == ("report.shared", ids)
    plan = save_plan(subject, report, {"actions": {"actions": "Listen more"}}, set())
    db.session.commit()
    assert _events()[-1] == ("action_plan.updated", {**ids, "report_version": report.version,
                                                     "plan_revision": plan.revision})
    save_plan(subject, report, {"actions": {"actions": "Listen more"}}, set())  # no change
    db.session.commit()
    assert len(_events()) == 5
    for delivery in db.session.scalars(select(WebhookDelivery)):
        assert set(delivery.payload) == {"id", "type", "created_at", "data"}
        assert all(isinstance(v, int) for v in delivery.payload["data"].values())


def test_endpoints_are_read_once_per_transaction(hooks_app):
    """A release of many reports emits an event per report: the endpoints are read once, and an
    endpoint registered or disabled within the transaction is seen straight away."""
    first = endpoints.create_endpoint("https://93.184.216.34/a", "A", ["cycle.closed"])
    db.session.commit()
    reads = [0]

    def counted(_conn, _cursor, statement, *args):
        reads[0] += "from webhook_endpoints" in statement.lower()

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        assert [emit("cycle.closed", cycle_id=n) for n in range(1, 51)] == [1] * 50
        assert reads[0] == 1
        endpoints.create_endpoint("https://93.184.216.34/b", "B", ["cycle.closed"])
        assert emit("cycle.closed", cycle_id=51) == 2
        endpoints.disable_endpoint(first.endpoint)
        assert emit("cycle.closed", cycle_id=52) == 1
        db.session.commit()
        reads[0] = 0
        assert emit("cycle.closed", cycle_id=53) == 1  # a new transaction reads again
        assert reads[0] == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    db.session.rollback()
