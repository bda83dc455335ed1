"""A real SMTP server (aiosmtpd) on a free loopback port, keeping what it receives."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

# Ports a test may reach: servers it started, and free ports it asked for to play an outage.
# The autouse guard in tests/conftest.py fails any test that connects anywhere else.
ALLOWED_PORTS: set[int] = set()


def free_port() -> int:
    """A port with nothing listening: an SMTP server that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ALLOWED_PORTS.add(port)
    return port


class Inbox:
    """aiosmtpd handler: stores messages; `refuse` maps a recipient to an SMTP reply."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


class SMTPServer:
    def __init__(self, inbox: Inbox | None = None) -> None:
        self.inbox = inbox or Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        ALLOWED_PORTS.add(self.port)
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
