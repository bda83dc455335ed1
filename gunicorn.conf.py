"""gunicorn's settings for feedback360; `gunicorn wsgi:app` in the repository root reads this file
(elsewhere: `gunicorn -c /path/to/gunicorn.conf.py wsgi:app`). Command-line flags override it.

* Worker processes: WEB_CONCURRENCY (gunicorn's own variable), default one per core.
* Threads (gthread workers), so a request waiting on the database holds a thread, not a whole
  process; ADMISSION_LIMIT + ADMISSION_QUEUE + SPARE_THREADS of them, so that requests beyond
  what the process admits reach its admission gate (service/web/admission.py) and are answered
  503 at once, instead of waiting unseen in gunicorn's queue.
"""

from __future__ import annotations

import os

from service.config import setting

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
