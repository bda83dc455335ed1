"""The worker settings of the repository's gunicorn.conf.py, for bench/rating.py to give both
apps (``--repository-config``)."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read() -> tuple[int, str, int]:
    """(workers, worker class, threads) as gunicorn would read them from the file."""
    values = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return int(values["workers"]), str(values["worker_class"]), int(values["threads"])
