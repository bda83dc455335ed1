"""The admission gate (service/web/admission.py) hands a freed turn to a waiting POST before a
waiting GET, and otherwise keeps its limits: driven with threads and a WSGI app that holds its
turn until told, so the order is decided by the gate and nothing else."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from service.web.admission import Admission

DEADLINE = 10.0  # seconds any step may take before the test gives up


class HeldApp:
    """A WSGI app that records who entered and keeps ``/hold`` until ``let_go`` is set."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.holding = threading.Event()
        self.let_go = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        self.entered.append(f"{environ['REQUEST_METHOD']} {path}")
        if path == "/hold":
            self.holding.set()
            self.let_go.wait(DEADLINE)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def _call(gate: Admission, method: str, path: str, statuses: dict[str, str]) -> threading.Thread:
    def run() -> None:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "x",
                   "SERVER_PORT": "80", "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1"}

        def start_response(status: str, headers: Any) -> None:
            statuses[f"{method} {path}"] = status

        b"".join(gate(environ, start_response))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _until(condition: Callable[[], bool]) -> None:
    """Wait (bounded) for another thread to reach a state the gate reports."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "the state was never reached"
        time.sleep(0.001)


def test_a_waiting_post_gets_the_freed_turn_before_a_get_that_came_first() -> None:
    held = HeldApp()
    gate = Admission(Flask(__name__), held, limit=1, queue=4, wait=DEADLINE)
    statuses: dict[str, str] = {}
    first = _call(gate, "GET", "/hold", statuses)
    assert held.holding.wait(DEADLINE)
    get = _call(gate, "GET", "/new-page", statuses)
    _until(lambda: gate.waiting == 1)
    post = _call(gate, "POST", "/answers", statuses)
    _until(lambda: gate.waiting == 2)
    held.let_go.set()
    for thread in (first, get, post):
        thread.join(DEADLINE)
    assert held.entered == ["GET /hold", "POST /answers", "GET /new-page"]
    assert set(statuses.values()) == {"200 OK"}


def test_the_waiting_room_and_the_wait_still_bound_what_is_admitted(app) -> None:
    """Past limit + queue a request is refused at once; a waiter whose time runs out is
    refused too, and the turn it was waiting for still goes to the next one in line."""
    held = HeldApp()
    gate = Admission(app, held, limit=1, queue=1, wait=0.2)
    statuses: dict[str, str] = {}
    first = _call(gate, "GET", "/hold", statuses)
    assert held.holding.wait(DEADLINE)
    waiter = _call(gate, "POST", "/waits", statuses)
    _until(lambda: gate.waiting == 1)
    refused = _call(gate, "GET", "/no-room", statuses)
    refused.join(DEADLINE)
    assert statuses["GET /no-room"].startswith("503")
    waiter.join(DEADLINE)  # its 0.2 s run out while /hold kept the turn
    assert statuses["POST /waits"].startswith("503")
    held.let_go.set()
    first.join(DEADLINE)
    after = _call(gate, "GET", "/after", statuses)
    after.join(DEADLINE)
    assert statuses["GET /after"] == "200 OK"
    assert held.entered == ["GET /hold", "GET /after"]
