"""The HR console's fixtures: a client signed in as an HR officer (local account)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.staff_fixtures import sign_in


@pytest.fixture
def hr(staff_app: Flask, officer: Any) -> Any:
    client = staff_app.test_client()
    assert sign_in(client, officer.email).status_code == 302
    return client
