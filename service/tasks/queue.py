"""The huey instance for an app: SQLite under instance/ by default, Redis at scale."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from huey import Huey, RedisExpireHuey, SqliteHuey
from redis import ConnectionPool

from service.db import private_file

QUEUE_NAME = "feedback360"
REDIS_CONNECT_TIMEOUT = 5
REDIS_TIMEOUT = 10


def make_huey(url: str, instance_path: str) -> Huey:
    """`sqlite:///path` or `redis://host:port/db`; empty means instance/tasks.sqlite."""
    if not url:
        url = f"sqlite:///{Path(instance_path) / 'tasks.sqlite'}"
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = Path(url[len("sqlite:///"):])
        private_file(path)  # the queue is the service's alone, like the database
        return SqliteHuey(QUEUE_NAME, filename=str(path), results=False)
    if scheme in {"redis", "rediss", "unix"}:
        # The expiring flavour keeps each key on its own, so the relay lock's time limit works
        # on any Redis (the plain one needs hash-field TTLs, Redis 7.4+). Bounded waits: a Redis
        # that is down or hung costs a caller seconds, not a hang (the consumer's blocking
        # read asks for 1 s at a time, well inside the socket timeout).
        pool = ConnectionPool.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
                                       socket_timeout=REDIS_TIMEOUT)
        return RedisExpireHuey(QUEUE_NAME, connection_pool=pool, results=False)
    raise ValueError(f"TASK_QUEUE_URL must be sqlite:///PATH or redis://HOST:PORT/DB, not {url!r}")
