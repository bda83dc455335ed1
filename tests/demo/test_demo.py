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
    # What an earlier run left behind is replaced: the demo starts from a fresh database.
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "demo.sqlite").write_bytes(b"left over from an earlier run")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "cycle2-1-stale-v1.pdf").write_bytes(b"stale")
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "6 reports rendered by the task queue" in result.stdout
    assert "released to 6 facilitators" in result.stdout
    pdfs = sorted((tmp_path / "out").glob("cycle2-*.pdf"))
    assert len(pdfs) == 6
    texts = {}
    for pdf in pdfs:
        reader = PdfReader(pdf)
        assert len(reader.pages) >= 10
        assert reader.metadata.title
        texts[pdf.name] = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    siân = next(text for name, text in texts.items() if "sian-prosser" in name)
    assert "Newid ers Leadership 360 — last year" in siân  # Welsh, and a previous cycle
    assert "Cyfartaledd y garfan" in siân  # six leaders: the cohort is shown
    wei = next(text for name, text in texts.items() if "wei-chen" in name)
    assert "Change since" not in wei and "Cohort average" in wei  # new this year
    # Comments in the leader's language context, varied: mostly Welsh for Siân, never one
    # comment twice in a report, and leaders do not all read the same words.
    from service.demo.comments import COMMENTS
    pools = {lang: [c for q in COMMENTS[lang].values() for c in q] for lang in COMMENTS}
    welsh = [c for c in pools["cy"] if " ".join(c.split()) in siân]
    assert len(welsh) >= 3 and len(welsh) > sum(" ".join(c.split()) in siân
                                                for c in pools["en"])
    for text in texts.values():
        assert all(text.count(" ".join(c.split())) <= 1 for c in pools["en"] + pools["cy"])
    english_reports = [text for name, text in texts.items()
                       if not any(n in name for n in ("sian", "llyr"))]
    shared = set.intersection(*({c for c in pools["en"] if " ".join(c.split()) in text}
                                for text in english_reports))
    assert len(shared) <= 2
    # The cohort's leaders are each other's peers: every leader but the first shows peers.
    assert "Peers" in wei.split("Overview")[1].split("Strengths")[0]
    mails = [message_from_bytes(path.read_bytes(), policy=policy.default)
             for path in (tmp_path / "out" / "mail").glob("*.eml")]
    texts = [mail.get_body(("plain",)).get_content() for mail in mails]
    assert sum("/r/" in text for text in texts) >= 43  # invitations, through the task queue
    assert any(text.startswith("Dear") and "Thank you for giving feedback" in text
               for text in texts)
    assert "emails sent through the task queue" in result.stdout
    assert "http://127.0.0.1:5000/r/" in result.stdout
    # Each printed link says whose form it is and in which group.
    links = [line for line in result.stdout.splitlines() if "/r/" in line]
    assert any("own self-assessment" in line for line in links)
    assert any(line.endswith("form, as direct report)") for line in links), links
    assert all("'s " in line for line in links), links
    # An HR account to sign in with, its password generated and printed once.
    assert "sign in at http://127.0.0.1:5000/sign-in" in result.stdout
    assert "email:    rhodri.bevan@afonvalley.example" in result.stdout
    password = result.stdout.split("password: ")[1].split()[0]
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'instance' / 'demo.sqlite'}"
    script = "\n".join([
        "from service.app import create_app",
        "from service.staff.operations import roles_of",
        "from service.staff.signin import check",
        "from service.cycles.models import Cycle",
        "from service.db import db",
        "with create_app().app_context():",
        f"    person = check('rhodri.bevan@afonvalley.example', {password!r}, '::1').person",
        "    print(person.display_name, sorted(roles_of(person.id)))",
        "    for cycle in db.session.scalars(db.select(Cycle).order_by(Cycle.id)):",
        "        rubric = cycle.rubric_snapshot",
        "        print(cycle.rubric_id, len(rubric['sections']),",
        "              sum(len(section['items']) for section in rubric['sections']))"])
    check = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60, check=False)
    lines = check.stdout.strip().splitlines()
    assert lines[0] == "Rhodri Bevan ['admin', 'hr']", check.stderr
    # Last year's and this spring's cycles on the full rubric; the pulse check on the short form.
    assert lines[1:] == ["compassionate-inclusive-leadership 9 40"] * 2 + [
        "compassionate-inclusive-leadership-short 9 16"]
    assert "open pulse-check cycle on the short form" in result.stdout
