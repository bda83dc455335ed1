"""A TCP proxy in front of a real slapd that breaks the conversation in one chosen way.

Faults a directory shows in real life but a healthy slapd will not produce on cue, each once the
client has received `after` search entries on a connection (past the first page by default):

* `drop`: the connection is closed, as when a server restarts or a firewall drops it;
* `stall`: the server stops answering, but keeps the connection open (a hung server);
* `time_limit`: the rest of that page's entries are withheld and the page ends with
  timeLimitExceeded, which is how a server that hit its time limit ends a search.

Everything else passes through unchanged. LDAP messages are framed by their BER length, so a
message split across reads or several in one read are handled alike.
"""

from __future__ import annotations

import contextlib
import socket

from tests.tcp_proxy import TcpProxy

SEARCH_RESULT_ENTRY = 0x64
SEARCH_RESULT_DONE = 0x65
TIME_LIMIT_EXCEEDED = 3
FAULTS = ("drop", "stall", "time_limit")


def _length(data: bytes, at: int) -> tuple[int, int] | None:
    """(value length, offset of the value) of the BER length at `at`, or None if incomplete."""
    if len(data) <= at:
        return None
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if len(data) < at + 1 + count:
        return None
    return int.from_bytes(data[at + 1:at + 1 + count], "big"), at + 1 + count


def _operation(message: bytes) -> tuple[int, int]:
    """(protocolOp tag, offset of that tag) of one complete LDAPMessage."""
    _, body = _length(message, 1)  # type: ignore[misc]  # SEQUENCE
    size, value = _length(message, body + 1)  # type: ignore[misc]  # messageID INTEGER
    return message[value + size], value + size


class FaultProxy(TcpProxy):
    def __init__(self, target_port: int, fault: str, after: int = 600) -> None:
        assert fault in FAULTS
        super().__init__(target_port)
        self.fault = fault
        self.after = after
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.faults = 0  # how many times the fault was applied

    def connected(self, client: socket.socket) -> None:
        server = self.open_target()
        self.run(self._pump, client, server)
        self.run(self._answers, server, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)

    def _answers(self, server: socket.socket, client: socket.socket) -> None:
        """Forward the server's messages one by one, counting entries, until the fault."""
        entries = 0
        withholding = False
        buffer = b""
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                buffer += data
                while (header := _length(buffer, 1)) is not None \
                        and len(buffer) >= header[1] + header[0]:
                    end = header[1] + header[0]
                    message, buffer = buffer[:end], buffer[end:]
                    tag, at = _operation(message)
                    if entries >= self.after and self.fault == "drop":
                        self.faults += 1
                        for sock in (client, server):
                            sock.shutdown(socket.SHUT_RDWR)
                        return
                    if entries >= self.after and self.fault == "stall":
                        self.faults += 1
                        self._stopped.wait()
                        return
                    if tag == SEARCH_RESULT_ENTRY:
                        if withholding:
                            continue
                        entries += 1
                        withholding = self.fault == "time_limit" and entries >= self.after
                    elif tag == SEARCH_RESULT_DONE and withholding:
                        # [APPLICATION 5] length, then resultCode ENUMERATED: 0x0a 0x01 code
                        _, result = _length(message, at + 1)  # type: ignore[misc]
                        assert message[result:result + 2] == b"\x0a\x01"
                        message = (message[:result + 2] + bytes([TIME_LIMIT_EXCEEDED])
                                   + message[result + 3:])
                        withholding = False
                        entries = -(10 ** 9)  # once per connection
                        self.faults += 1
                    client.sendall(message)
