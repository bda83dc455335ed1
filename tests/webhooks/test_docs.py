"""The verification examples in docs/integration.md work on a real delivery, as printed."""

from __future__ import annotations

import re
import subprocess
import time

from integrations.appraisal.webhooks import signature
from service.db import db
from service.webhooks import endpoints
from service.webhooks.delivery import deliver_due
from service.webhooks.events import emit
from tests.webhooks.receiver import DOCS, docs_block, receiver, verify


def _one_delivery():
    with receiver() as server:
        made = endpoints.create_endpoint(server.url, "Docs receiver", ["cycle.closed"])
        emit("cycle.closed", cycle_id=12)
        db.session.commit()
        assert deliver_due().sent == 1
    [got] = server.received
    return made.secret, got


def test_the_python_verifier_accepts_a_delivery_and_refuses_a_replay(hooks_app):
    secret, got = _one_delivery()
    assert verify(secret, got.headers, got.body)
    sent_at = int(got.headers["X-Feedback360-Timestamp"])
    assert verify(secret, got.headers, got.body, now=sent_at + 299)
    assert not verify(secret, got.headers, got.body, now=sent_at + 301)  # replayed later
    assert not verify(secret, {**got.headers, "X-Feedback360-Timestamp": str(sent_at + 1)},
                      got.body)  # a fresh timestamp on an old signature


def test_the_shell_verifier_accepts_a_delivery_and_refuses_a_replay(hooks_app, tmp_path):
    secret, got = _one_delivery()
    (tmp_path / "body.json").write_bytes(got.body)
    script = docs_block("webhook-shell-verifier")

    def run(timestamp, sig):
        return subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True,
                              text=True, env={"PATH": "/usr/bin:/bin", "SECRET": secret,
                                              "TS": timestamp, "SIG": sig}, check=False)

    fresh = run(got.headers["X-Feedback360-Timestamp"], got.headers["X-Feedback360-Signature"])
    assert fresh.returncode == 0 and fresh.stdout.strip() == "genuine"
    old = int(time.time()) - 600
    replay = run(str(old), signature(secret, old, got.body))
    assert replay.returncode == 1


def test_the_worked_example_is_right():
    text = DOCS.read_text(encoding="utf-8")
    body = re.search(r"and the body\n`([^`]+)`", text).group(1).encode()
    printed = re.search(r"the signature is\n`(sha256=[0-9a-f]{64})`", text).group(1)
    assert signature("whsec_example", 1805793242, body) == printed
