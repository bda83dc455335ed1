"""A draft cycle where the leader of `tests.factories.team` chooses their raters and their
manager approves; nobody nominated yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from service.cycles import operations as cycles
from service.cycles.models import Nominator, Subject
from service.db import db
from tests import factories


def leader_cycle(people: dict[str, Any],
                 nominated_by: Nominator = Nominator.LEADER_WITH_MANAGER_APPROVAL) -> Subject:
    today = dt.date.today()
    cycle = cycles.create_cycle("Spring 360", "compassionate-inclusive-leadership",
                                today + dt.timedelta(days=3), today + dt.timedelta(days=30),
                                nominated_by=nominated_by)
    return cycles.add_subject(cycle, people["leader"])


@pytest.fixture
def world(staff_app: Flask) -> dict[str, Any]:
    people = factories.team()
    subject = leader_cycle(people)
    db.session.commit()
    return {**people, "subject": subject}
