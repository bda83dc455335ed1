import os
import subprocess
import sys
from email import message_from_bytes, policy

from pypdf import PdfReader


def test_demo_runs_a_whole_cycle_on_a_fresh_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    env["INSTANCE_PATH"] = str(tmp_path / "instance")
    command = [sys.executable, "-m", "service.cli", "demo", "--no-serve", "--out",
               str(tmp_path / "out")]
    for _ in range(2):  # a second run starts again from a fresh database
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=300, check=False)
        assert result.returncode == 0, result.stderr
    assert "wrote 4 reports" in result.stdout
    pdfs = sorted((tmp_path / "out").glob("cycle1-*.pdf"))
    assert len(pdfs) == 4
    for pdf in pdfs:
        reader = PdfReader(pdf)
        assert len(reader.pages) >= 6
        assert reader.metadata.title
    mails = [message_from_bytes(path.read_bytes(), policy=policy.default)
             for path in (tmp_path / "out" / "mail").glob("*.eml")]
    texts = [mail.get_body(("plain",)).get_content() for mail in mails]
    assert sum("/r/" in text for text in texts) >= 31  # invitations, through the task queue
    assert any(text.startswith("Dear") and "Thank you for giving feedback" in text
               for text in texts)
    assert "emails sent through the task queue" in result.stdout
    assert "http://127.0.0.1:5000/r/" in result.stdout
