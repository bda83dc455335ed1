"""A TCP proxy in front of a real PostgreSQL that stops answering on cue, as a paused or hung
server does: connections stay open and the kernel takes every byte, but nothing comes back, so
no TCP timeout fires and only the application's own bounds can end the wait.

* `StallProxy(target_port)`: passes everything through until `stall()`; from then on nothing
  is forwarded either way, and new connections are accepted and never answered.
* `StallProxy(None)`: a server that accepts connections and never answers (not even the
  start-up exchange), as a hung postmaster does.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.tcp_proxy import TcpProxy


class StallProxy(TcpProxy):
    def __init__(self, target_port: int | None) -> None:
        super().__init__(target_port)
        self._stalled = threading.Event()
        if target_port is None:
            self._stalled.set()

    def url(self, template: str) -> str:
        """``template``, a PostgreSQL URL, pointed at this proxy instead."""
        from sqlalchemy import make_url

        return make_url(template).set(host="127.0.0.1", port=self.port) \
            .render_as_string(hide_password=False)

    def stall(self) -> None:
        self._stalled.set()

    def connected(self, client: socket.socket) -> None:
        if self._stalled.is_set():
            return  # accepted, and never answered
        server = self.open_target()
        self.run(self._pump, client, server)
        self.run(self._pump, server, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if self._stalled.is_set():
                    self._stopped.wait()  # hold what came, answer nothing
                    return
                sink.sendall(data)
