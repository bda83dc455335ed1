"""API fixtures: keys made through the same operation as `feedback360 apikey create`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api.keys import SCOPES, create_key
from service.audit.operations import Actor, acting_as
from service.db import db


@pytest.fixture
def make_key(app: Flask) -> Callable[..., str]:
    def make(*scopes: str, name: str | None = None, days: int | None = None) -> str:
        with acting_as(Actor("test admin")):
            made = create_key(name or f"key {len(make.made)}", list(scopes or SCOPES), days)
        db.session.commit()
        make.made.append(made.key.id)
        return made.secret

    make.made = []  # type: ignore[attr-defined]
    return make


class Api:
    """A test client that sends a key."""

    def __init__(self, client: FlaskClient, secret: str) -> None:
        self.client, self.secret = client, secret

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.secret}", **kwargs.pop("headers", {})}
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)


@pytest.fixture
def api(client: FlaskClient, make_key: Callable[..., str]) -> Api:
    """Every scope."""
    return Api(client, make_key())


@pytest.fixture
def api_with(client: FlaskClient, make_key: Callable[..., str]) -> Callable[..., Api]:
    def build(*scopes: str) -> Api:
        return Api(client, make_key(*scopes))

    return build
