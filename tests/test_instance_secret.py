"""The generated secret key: processes started together all get the same, complete key, and the
folder the service creates for it is private."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path
from typing import Any

import pytest

from service.config import _instance_secret, load_config

PROCESSES = 12
ROUNDS = 15


def _start_together(instance: str, barrier: Any, keys: Any) -> None:
    barrier.wait()
    try:
        keys.put(_instance_secret(Path(instance)))
    except Exception as exc:  # the parent reports what went wrong
        keys.put(f"error: {exc!r}")


def test_processes_started_together_all_read_the_same_whole_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(ROUNDS):
        instance = tmp_path / f"instance{round_}"
        barrier, keys = context.Barrier(PROCESSES), context.Queue()
        workers = [context.Process(target=_start_together, args=(str(instance), barrier, keys))
                   for _ in range(PROCESSES)]
        for worker in workers:
            worker.start()
        got = [keys.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
        assert len(set(got)) == 1, set(got)
        [key] = set(got)
        assert len(key) == 64 and int(key, 16)
        assert (instance / "secret_key").read_text() == key
        assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
        assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no temporary left


def test_the_instance_folder_the_service_creates_is_private(tmp_path: Path) -> None:
    instance = tmp_path / "new" / "instance"
    load_config({"INSTANCE_PATH": str(instance)}, environ={})
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert _instance_secret(instance) == (instance / "secret_key").read_text()

    existing = tmp_path / "existing"
    existing.mkdir(mode=0o750)
    existing.chmod(0o750)
    load_config({"INSTANCE_PATH": str(existing)}, environ={})
    assert stat.S_IMODE(existing.stat().st_mode) == 0o750  # the owner's choice is kept


def test_the_task_queue_creates_a_private_instance_folder_too(tmp_path: Path) -> None:
    """With DATABASE_URL and SECRET_KEY set, the embedded queue is the first to need it."""
    from service.tasks.queue import make_huey

    make_huey("", str(tmp_path / "instance"))
    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) == 0o700


def test_an_empty_key_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(ValueError, match="secret_key is empty: delete it"):
        _instance_secret(tmp_path)
