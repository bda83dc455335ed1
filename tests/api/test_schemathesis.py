"""schemathesis against the served OpenAPI document, with a key that has every scope: no
answer is a 5xx, and every answer matches what the document says of it (status, content
type, body schema). Bounded examples keep it fast; the database is the suite's own (SQLite,
or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.cycles import operations as cycles
from service.db import db
from service.evidence import operations as evidence
from service.sharing import integration
from tests import factories
from tests.leaders.support import released_report

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 6


@pytest.fixture
def served(app: Flask, make_key: Any) -> dict[str, Any]:
    """Something to find: people, a draft cycle with a leader, ids 1 and up; and a second
    cycle whose leader's released report is shared whole with the integration, with an
    evidence pack issued."""
    people = factories.team(size_reports=1, size_peers=1)
    today = dt.date.today()
    cycle = cycles.create_cycle("Fuzzed", "compassionate-inclusive-leadership", today,
                                today + dt.timedelta(days=20))
    cycles.add_subject(cycle, people["leader"])
    subject = released_report(people["leader"], people["boss"], people["reports"])
    integration.give_consent(subject, pdf=True, comments=True)
    evidence.issue_pack(subject, include_scores=True)
    db.session.commit()
    return {"Authorization": f"Bearer {make_key(name='schemathesis')}"}


def test_the_api_keeps_to_its_document(app: Flask, served: dict[str, Any]) -> None:
    """Each operation of the served document in turn, as a Hypothesis strategy (schemathesis'
    pytest loader for fixtures does not run under pytest 9: it reads a removed attribute)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            case.call_and_validate(headers=served, checks=CHECKS)

        conforms()
