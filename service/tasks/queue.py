"""The huey instance for an app: SQLite under instance/ by default, Redis at scale."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from huey import Huey, RedisExpireHuey, SqliteHuey

from service.config import make_private_dir

QUEUE_NAME = "feedback360"


def make_huey(url: str, instance_path: str) -> Huey:
    """`sqlite:///path` or `redis://host:port/db`; empty means instance/tasks.sqlite."""
    if not url:
        url = f"sqlite:///{Path(instance_path) / 'tasks.sqlite'}"
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = Path(url[len("sqlite:///"):])
        make_private_dir(path.parent)  # the instance folder by default
        return SqliteHuey(QUEUE_NAME, filename=str(path), results=False)
    if scheme in {"redis", "rediss", "unix"}:
        # The expiring flavour keeps each key on its own, so the relay lock's time limit works
        # on any Redis (the plain one needs hash-field TTLs, Redis 7.4+).
        return RedisExpireHuey(QUEUE_NAME, url=url, results=False)
    raise ValueError(f"TASK_QUEUE_URL must be sqlite:///PATH or redis://HOST:PORT/DB, not {url!r}")
