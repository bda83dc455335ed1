from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from service.audit.operations import Actor, acting_as


@pytest.fixture
def hooks_app(make_app) -> Iterator[Flask]:
    """An app that may send to loopback over http, as the tests' receiver needs."""
    application = make_app(WEBHOOKS_ALLOW_PRIVATE=True, WEBHOOKS_TIMEOUT=5)
    with application.app_context(), acting_as(Actor("test admin")):
        yield application
