"""A real HTTP server on loopback that receives webhooks, and the sample verifier that
docs/integration.md prints, taken from the docs themselves."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def docs_block(marker: str) -> str:
    """The code block that follows ``<!-- marker`` in docs/integration.md."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}[^\n]*-->\n```[a-z]*\n(.*?)```", text, re.S)
    assert found, f"docs/integration.md has no block marked {marker}"
    return found.group(1)


def _docs_verifier() -> Callable[..., bool]:
    namespace: dict[str, Any] = {}
    exec(docs_block("webhook-verifier"), namespace)  # noqa: S102 (our own documentation)
    return namespace["verify"]


#: the receiver's check, exactly as docs/integration.md prints it
verify = _docs_verifier()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int = 0
    #: statuses to answer, in turn; 204 once they run out
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    #: when set, each answer waits (up to 5 s) for this event: a receiver that is too slow
    hold: threading.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/feedback360"


@contextmanager
def receiver(answers: list[int] | None = None) -> Iterator[Receiver]:
    state = Receiver(answers=list(answers or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(dict(self.headers.items()), body))
            if state.hold is not None:
                state.hold.wait(5)
            status = state.answers.pop(0) if state.answers else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
