"""The link throttle: failed look-ups counted once per request whatever the page, in storage every
process shares (a SQLite file by default, Redis when TEST_REDIS_URL is set), valid links served
from a throttled address, and gunicorn refusing processes that would each count on their own."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from sqlalchemy import event

from service.db import db
from service.nominations.tokens import new_token
from service.responses.throttle import LinkThrottle, SQLiteStorage
from tests.factories import launched_cycle
from tests.web.helpers import open_form, post_form
from tests.web_server import Gunicorn, request, server_env

STORAGES = ["sqlite", *(["redis"] if os.environ.get("TEST_REDIS_URL") else [])]


@pytest.fixture(params=STORAGES)
def storage_uri(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'throttle.sqlite'}"
    import redis

    url = os.environ["TEST_REDIS_URL"]
    redis.Redis.from_url(url).flushdb()
    return url


def test_the_form_a_save_and_the_decline_page_share_one_count(make_app, tmp_path):
    app = make_app(TOKEN_FAILURE_LIMIT="3 per minute",
                   RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'throttle.sqlite'}")
    with app.app_context():
        _, tokens, _ = launched_cycle()
    client = app.test_client()
    open_form(client, f"/r/{next(iter(tokens.values()))}")  # a valid link: not counted
    assert client.get(f"/r/{new_token()}").status_code == 404
    assert post_form(client, f"/r/{new_token()}", {}, "save").status_code == 404
    assert client.get(f"/r/{new_token()}/decline").status_code == 404
    refused = client.get(f"/r/{new_token()}")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "A link from your invitation email still works" in refused.get_data(as_text=True)
    assert post_form(client, f"/r/{new_token()}", {}, "save").status_code == 429
    assert client.get(f"/r/{new_token()}/decline").status_code == 429


def test_a_throttled_address_still_gets_its_valid_links(make_app, tmp_path):
    """A hospital behind one NAT address: someone there mistyped links (or a scanner ran), and
    everyone else's real links keep working; only failures are refused, and a malformed link is
    refused without asking the database."""
    app = make_app(TOKEN_FAILURE_LIMIT="2 per minute",
                   RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'throttle.sqlite'}")
    with app.app_context():
        _, tokens, _ = launched_cycle()
        engine = db.engine
    valid = list(tokens.values())
    client = app.test_client()
    assert [client.get(f"/r/{new_token()}").status_code for _ in range(3)] == [404, 404, 429]

    assert client.get(f"/r/{valid[0]}").status_code == 200
    assert client.get(f"/r/{valid[1]}/decline").status_code == 200
    open_form(client, f"/r/{valid[2]}")
    saved = post_form(client, f"/r/{valid[2]}", {"item-attending-listens": "4"}, "save")
    assert saved.status_code == 302 and saved.location.endswith("?step=1&saved=1")
    declined = post_form(client, f"/r/{valid[1]}", {}, "decline")
    assert declined.status_code == 302
    assert client.get(f"/r/{valid[1]}").status_code == 410  # a used link is not a failure

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/r/not-a-link").status_code == 429
        assert statements == []  # refused before the database was asked
        assert client.get(f"/r/{new_token()}").status_code == 429  # looked up, then refused
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert client.get(f"/r/{valid[3]}").status_code == 200


def test_two_app_processes_on_one_storage_allow_only_the_limit_together(make_app,
                                                                        storage_uri):
    """Two web processes (two apps) counting in the same storage, requests spread over both
    and over the pages: the limit holds for the address as a whole."""
    apps = [make_app(TOKEN_FAILURE_LIMIT="4 per minute", RATELIMIT_STORAGE_URI=storage_uri)
            for _ in range(2)]
    clients = [app.test_client() for app in apps]
    paths = ["/r/{}", "/r/{}/decline"]
    statuses = [clients[i % 2].get(paths[(i // 2) % 2].format(new_token())).status_code
                for i in range(10)]
    assert statuses == [404] * 4 + [429] * 6


def test_two_gunicorn_workers_allow_only_the_limit_together(base_config, _migrated, tmp_path):
    # No admission limit: on a busy machine twelve requests at once could be shed with 503s,
    # which is tests/web/test_overload.py's subject, not this one's.
    env = server_env(base_config, tmp_path / "web", TOKEN_FAILURE_LIMIT="5 per minute",
                     ADMISSION_LIMIT=0)
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
        statuses: list[int] = []
        barrier = threading.Barrier(12)

        def guess() -> None:
            barrier.wait()
            statuses.append(request(server.port, "GET", f"/r/{new_token()}").status)

        threads = [threading.Thread(target=guess) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        statuses.append(request(server.port, "GET", f"/r/{new_token()}").status)
    assert sorted(statuses) == [404] * 5 + [429] * 8


def test_gunicorn_refuses_several_processes_counting_in_memory(base_config, tmp_path):
    env = server_env(base_config, tmp_path / "web", RATELIMIT_STORAGE_URI="memory://")
    server = Gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    process = server.start()
    try:
        code = process.wait(timeout=60)
    finally:
        server.__exit__()
    output = (tmp_path / "gunicorn.log").read_text()
    assert code == 1, output
    [line] = [line for line in output.splitlines() if line.startswith("feedback360:")]
    assert "RATELIMIT_STORAGE_URI=memory://" in line and "redis://HOST:6379/N" in line
    assert "Traceback" not in output


def test_the_sqlite_storage_counts_one_window_across_processes(tmp_path):
    now = [1000.0]
    uri = f"sqlite:///{tmp_path / 'throttle.sqlite'}"
    first, second = (SQLiteStorage(uri, clock=lambda: now[0]) for _ in range(2))
    assert [first.incr("k", 60), second.incr("k", 60), first.incr("k", 60)] == [1, 2, 3]
    assert second.get("k") == 3 and second.get_expiry("k") == 1060.0
    now[0] = 1060.0  # the window is over: a new one starts
    assert second.get("k") == 0
    assert first.incr("k", 60) == 1 and first.get_expiry("k") == 1120.0


def test_bad_throttle_settings_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"TOKEN_FAILURE_LIMIT: expected e\.g\. '20 per minute'"):
        LinkThrottle(f"sqlite:///{tmp_path / 't.sqlite'}", "lots")
    with pytest.raises(ValueError, match=r"RATELIMIT_STORAGE_URI: .*redis://HOST:6379/N"):
        LinkThrottle("postgres://x", "20 per minute")
