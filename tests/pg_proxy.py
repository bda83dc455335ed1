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

from tests.ldap_server import free_port


class StallProxy:
    def __init__(self, target_port: int | None) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._sockets: list[socket.socket] = [self._listener]
        self._stalled = threading.Event()
        self._stopped = threading.Event()
        if target_port is None:
            self._stalled.set()

    def url(self, template: str) -> str:
        """``template``, a PostgreSQL URL, pointed at this proxy instead."""
        from sqlalchemy import make_url

        return make_url(template).set(host="127.0.0.1", port=self.port) \
            .render_as_string(hide_password=False)

    def stall(self) -> None:
        self._stalled.set()

    def __enter__(self) -> StallProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._sockets.append(client)
            if self._stalled.is_set():
                continue  # accepted, and never answered
            assert self.target_port is not None
            server = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets.append(server)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if self._stalled.is_set():
                    self._stopped.wait()  # hold what came, answer nothing
                    return
                sink.sendall(data)
