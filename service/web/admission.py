"""Admission control: past its capacity a web process answers at once with 503 and Retry-After,
instead of letting requests queue for seconds (measured before this: 14 s p99 at 200 requests/s
offered to four processes), and a rater's posted answers come back in the page.

Each process runs at most ADMISSION_LIMIT requests at once. Up to ADMISSION_QUEUE more wait for a
turn, each for at most ADMISSION_WAIT seconds; a request that finds the waiting room full, or
that waits its time out, is shed (service/web/unavailable.py `overload_page`, rendered without
the database). Health checks and static files are never shed. Gunicorn needs more threads than
limit + queue for the extra requests to reach this gate at all rather than wait inside gunicorn
(gunicorn.conf.py sizes them).

A freed turn goes to a waiting POST before any waiting GET: a post carries work someone has
done (a rater's answers, a step of the form), a GET starts something new. Measured at twice the
capacity, turns handed out in arrival order let most raters who got their page lose the post
that would have finished it (docs/performance.md)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

EXEMPT = ("/healthz", "/readyz", "/static/")
LOG_EVERY = 10.0  # seconds: one line about shed requests at most this often


class Admission:
    """WSGI middleware around ``app.wsgi_app`` (see the module's docstring)."""

    def __init__(self, app: Flask, wsgi_app: Any, limit: int, queue: int, wait: float) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.limit, self.queue, self.wait = limit, queue, wait
        self._lock = threading.Lock()
        # Waiting posts are woken through their own condition, first; gets through theirs.
        self._posts = threading.Condition(self._lock)
        self._gets = threading.Condition(self._lock)
        self._running = 0
        self._waiting = 0
        self._posts_waiting = 0
        self._shed = 0
        self._logged_at = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(EXEMPT):
            return self.wsgi_app(environ, start_response)
        if not self._admit(environ.get("REQUEST_METHOD") == "POST"):
            return self._refuse(environ, start_response)
        try:
            # Flask has built the whole response by the time it returns (and run its
            # teardown), so the turn is free while the server writes it to a slow client.
            return self.wsgi_app(environ, start_response)
        finally:
            self._release()

    @property
    def waiting(self) -> int:
        """Requests waiting for a turn now."""
        return self._waiting

    def _free_for(self, post: bool) -> bool:
        """Whether a turn is free for this request (a get leaves it to a waiting post)."""
        return self._running < self.limit and (post or self._posts_waiting == 0)

    def _admit(self, post: bool) -> bool:
        with self._lock:
            if self._free_for(post):
                self._running += 1
                return True
            if self._waiting >= self.queue:
                return False
            self._waiting += 1
            self._posts_waiting += post
            deadline = time.monotonic() + self.wait
            try:
                condition = self._posts if post else self._gets
                while not self._free_for(post):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    condition.wait(remaining)
                self._running += 1
                return True
            finally:
                self._waiting -= 1
                self._posts_waiting -= post
                # A wake-up this request took and did not use (it timed out), or a turn held
                # back for it, goes to the next in line.
                self._pass_on()

    def _release(self) -> None:
        with self._lock:
            self._running -= 1
            self._pass_on()

    def _pass_on(self) -> None:
        """Wake the next waiter a free turn may be for: a post if any waits, else a get."""
        if self._running >= self.limit:
            return
        if self._posts_waiting:
            self._posts.notify()
        elif self._waiting:
            self._gets.notify()

    def _refuse(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        from service.web.unavailable import overload_page

        with self.app.request_context(environ):
            response = overload_page()
        self._count_shed()
        return response(environ, start_response)

    def _count_shed(self) -> None:
        with self._lock:
            self._shed += 1
            now = time.monotonic()
            if now - self._logged_at < LOG_EVERY:
                return
            shed, self._shed, self._logged_at = self._shed, 0, now
        log.warning("overloaded: %d requests answered 503 (ADMISSION_LIMIT %d, ADMISSION_QUEUE "
                    "%d, ADMISSION_WAIT %.1f s)", shed, self.limit, self.queue, self.wait)
