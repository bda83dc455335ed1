"""The admins' API keys page: list, create (the key shown once) and revoke."""

from __future__ import annotations

from service.api.keys import create_key
from tests.web.matrix import Route, World, admin_only


def prepare(world: World) -> None:
    world.extra["api_key_id"] = create_key("Matrix key", ["people:read"]).key.id


ROUTES = [
    Route("api_keys.page", "GET", lambda w: "/staff/api-keys", admin_only()),
    Route("api_keys.create", "POST", lambda w: "/staff/api-keys", admin_only(200),
          data=lambda w: {"name": f"key {w.extra['asking']}", "scopes": "people:read"}),
    Route("api_keys.revoke", "POST",
          lambda w: f"/staff/api-keys/{w.extra['api_key_id']}/revoke", admin_only(302)),
]
