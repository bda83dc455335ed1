"""A real gunicorn serving the app on a loopback port, started the way the README says (from the
repository root, so it reads gunicorn.conf.py), and a small HTTP client for tests that need
concurrency, timing or several processes: things the Flask test client cannot show."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.ldap_server import free_port

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def server_env(base_config: Mapping[str, Any], instance: Path, **settings: Any) -> dict[str, str]:
    """The environment of a web process on the tests' database, with its own instance folder
    (its throttle counts and task queue live there)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN", "WEB_CONC"))}
    env.update({
        "DATABASE_URL": base_config["DATABASE_URL"], "SECRET_KEY": base_config["SECRET_KEY"],
        "BASE_URL": base_config["BASE_URL"], "MAIL_BACKEND": "file",
        "INSTANCE_PATH": str(instance), "TOKEN_FAILURE_LIMIT": "10000 per minute",
    })
    env.update({name: str(value) for name, value in settings.items()})
    return env


class Gunicorn:
    """`gunicorn wsgi:app -w N` in the repository root; stopped (SIGTERM to its own pid) on
    exit. Its output goes to ``log``, which a failing test can read."""

    def __init__(self, env: Mapping[str, str], log: Path, workers: int = 1) -> None:
        self.env = dict(env)
        self.log = log
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
                 "-b", f"127.0.0.1:{self.port}", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self.process

    def __enter__(self) -> Gunicorn:
        process = self.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited ({process.returncode}):\n"
                                     + self.log.read_text())
            try:
                if request(self.port, "GET", "/healthz", timeout=2).status == 200:
                    return self
            except OSError:
                process_wait(process, 0.1)
        self.__exit__()
        raise AssertionError("gunicorn did not answer /healthz within 60 s:\n"
                             + self.log.read_text())

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def process_wait(process: subprocess.Popen[bytes], seconds: float) -> None:
    """Give a starting server a moment, returning early if it exits."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=seconds)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float = 0.0
    cookies: dict[str, str] = field(default_factory=dict)


def request(port: int, method: str, path: str, form: list[tuple[str, str]] | None = None,
            cookie: str = "", timeout: float = 30) -> Reply:
    """One request on its own connection (as separate browsers would make them)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        cookies = {}
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
        return Reply(response.status, dict(response.headers.items()), text,
                     time.monotonic() - started, cookies)
    finally:
        connection.close()


def open_rating_form(port: int, token: str) -> Reply:
    """Open a personal link as a browser does; the form needs no cookie or CSRF token."""
    page = request(port, "GET", f"/r/{token}")
    assert page.status == 200, page.status
    assert not page.cookies and "csrf_token" not in page.body
    return page
