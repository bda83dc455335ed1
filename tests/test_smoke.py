from service.cycles.models import CycleState
from service.nominations.models import Invitation
from service.outbox.models import OutboxMessage
from tests.factories import launched_cycle


def test_launch_creates_invitations_and_outbox(app):
    cycle, tokens, _ = launched_cycle()
    assert cycle.state == CycleState.OPEN
    from service.db import db
    assert db.session.query(Invitation).count() == len(tokens) == 9
    assert db.session.query(OutboxMessage).count() == 9
