"""The web entry point: what start-up built is out of the garbage collector's reach."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def test_the_web_process_freezes_what_start_up_built(base_config: dict[str, Any],
                                                     tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": base_config["DATABASE_URL"],
           "SECRET_KEY": base_config["SECRET_KEY"], "INSTANCE_PATH": str(tmp_path)}
    script = ("import gc, wsgi; frozen = gc.get_freeze_count(); gc.collect(); "
              "print(frozen, len(gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    frozen, still_tracked = int(out[0]), int(out[1])
    assert frozen > 50_000  # the app's models, templates and catalogues
    assert still_tracked < frozen / 10  # a full collection walks only what came after
