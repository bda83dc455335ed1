"""What every browser test shares: the axe-core options the pages are held to, and a server for
an app on a free loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from werkzeug.serving import make_server

#: WCAG 2.2 AA and best practices, with the target-size rule (off by default) switched on.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                          "wcag22aa", "best-practice"]},
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}


def serve(app: Any) -> Iterator[str]:
    """The app's address while the caller's fixture lasts."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
