"""gunicorn's settings for feedback360; `gunicorn wsgi:app` in the repository root reads this file
(elsewhere: `gunicorn -c /path/to/gunicorn.conf.py wsgi:app`). Command-line flags override it.

* Worker processes: WEB_CONCURRENCY (gunicorn's own variable), default one per core.
* Threads (gthread workers), so a request waiting on the database holds a thread, not a whole
  process; ADMISSION_LIMIT + ADMISSION_QUEUE + SPARE_THREADS of them, so that requests beyond
  what the process admits reach its admission gate (service/web/admission.py) and are answered
  503 at once, instead of waiting unseen in gunicorn's queue.
* Start-up is refused, with one line naming the fix, when several worker processes would count
  failed link look-ups each on its own (RATELIMIT_STORAGE_URI=memory://).
"""

from __future__ import annotations

import os
from typing import Any

from service.config import setting
from service.responses.throttle import MEMORY_SCHEMES, storage_scheme

#: Threads beyond those admitted or waiting: they only answer the 503s, in a millisecond each.
SPARE_THREADS = 4

wsgi_app = "wsgi:app"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
threads = (setting("ADMISSION_LIMIT") + setting("ADMISSION_QUEUE") + SPARE_THREADS
           if setting("ADMISSION_LIMIT") else 8)
# A request is bounded by the database timeouts (seconds); this only catches a worker that
# stopped answering gunicorn's heartbeat altogether.
timeout = 60
graceful_timeout = 30
keepalive = 5


def on_starting(server: Any) -> None:
    """Refuse to start several worker processes that would each count failed link look-ups on
    their own (each would allow the whole TOKEN_FAILURE_LIMIT): one line naming the fix."""
    uri = setting("RATELIMIT_STORAGE_URI")
    workers = server.cfg.workers
    if workers > 1 and storage_scheme(uri) in MEMORY_SCHEMES:
        raise SystemExit(
            f"feedback360: RATELIMIT_STORAGE_URI={uri} keeps failed-link counts inside each "
            f"process, and gunicorn would start {workers}, allowing {workers} x "
            "TOKEN_FAILURE_LIMIT; unset RATELIMIT_STORAGE_URI (a file shared by the processes "
            "of this machine), set it to redis://HOST:6379/N, or run one worker (-w 1)")
