"""The plumbing every fault-injecting TCP proxy of the tests shares: a loopback listener on a
free port, a thread that accepts, and a clean stop that closes every socket it opened. A proxy
says only what happens to each accepted connection (`connected`)."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Self

from tests.ldap_server import free_port


class TcpProxy:
    def __init__(self, target_port: int | None) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._sockets: list[socket.socket] = [self._listener]
        self._stopped = threading.Event()

    def __enter__(self) -> Self:
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
            self.connected(client)

    def connected(self, client: socket.socket) -> None:
        raise NotImplementedError

    def open_target(self) -> socket.socket:
        assert self.target_port is not None
        server = socket.create_connection(("127.0.0.1", self.target_port))
        self._sockets.append(server)
        return server

    @staticmethod
    def run(target: object, *args: object) -> None:
        threading.Thread(target=target, args=args, daemon=True).start()  # type: ignore[arg-type]
