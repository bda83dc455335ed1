import json
import os
import subprocess
import sys
from email import message_from_bytes, policy

import pytest
from pypdf import PdfReader


@pytest.mark.own_database  # the demo's embedded SQLite, whatever TEST_DATABASE_URL says
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
    # Accounts to sign in with, each password generated and printed once, each with a page to
    # try first: HR, a leader, their manager, their facilitator and their mentor.
    assert "sign in at http://127.0.0.1:5000/sign-in" in result.stdout
    accounts = printed_accounts(result.stdout)
    assert [a["email"] for a in accounts] == [
        "rhodri.bevan@afonvalley.example", "kwabena.asante@afonvalley.example",
        "adaeze.okonkwo@afonvalley.example", "grace.mensah-bonsu@afonvalley.example",
        "priya.raghunathan@afonvalley.example"]
    assert len({a["password"] for a in accounts}) == len(accounts)
    database = f"sqlite:///{tmp_path / 'instance' / 'demo.sqlite'}"
    check = subprocess.run([sys.executable, "-c", CHECK_SCRIPT, json.dumps(accounts)],
                           cwd=tmp_path, env={**env, "DATABASE_URL": database},
                           capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 0, check.stderr
    found = json.loads(check.stdout.strip().splitlines()[-1])
    assert found["hr_roles"] == ["admin", "hr"]
    # Last year's and this spring's cycles on the full rubric; the pulse check on the short form;
    # the draft cycle where leaders choose their raters (its rubric is taken at launch).
    assert found["cycles"] == [
        ["compassionate-inclusive-leadership", 9, 40, "released", "hr"],
        ["compassionate-inclusive-leadership", 9, 40, "released", "hr"],
        ["compassionate-inclusive-leadership-short", 9, 16, "open", "hr"],
        ["compassionate-inclusive-leadership", 0, 0, "draft", "leader_with_manager_approval"]]
    assert "open pulse-check cycle on the short form" in result.stdout
    # 1. open for nominations: the leader's own list a draft, a colleague's waiting for approval.
    assert found["lists"] == {"Kwabena Asante": "draft", "Siân Prosser": "submitted"}
    assert "Siân Prosser's is submitted and waiting for Adaeze Okonkwo's approval" in result.stdout
    # 3. released and handed over, and shared with a mentor.
    assert found["shares"] == [["Kwabena Asante", "Priya Raghunathan", "mentor"]]
    # Every printed account signs in and sees its page; the leader's further links work too.
    pages = found["pages"]
    assert all(status == 200 for _, status, _ in pages), pages
    seen = {path.split("/")[-1] or path: text for path, _, text in pages}
    assert "Leadership 360 — autumn" in seen["hr"] and "All cycles, newest first" in seen["hr"]
    assert "My feedback" in seen["me"] and "Leadership 360 — spring" in seen["me"]
    assert "Choose your raters" in seen["raters"]
    assert "Feedback you have been asked to give" in seen["asked"]
    assert "Gwenllïan Rhys-Evans" in seen["asked"]  # 2. the open pulse check, to rate
    assert "Approve your team's raters" in seen["approvals"] and "Siân Prosser" in seen["approvals"]
    assert next(text for path, _, text in pages if path.endswith(".pdf")) == "%PDF"
    assert "Leaders you facilitate" in seen["facilitation"]
    assert "Kwabena Asante" in seen["facilitation"]
    assert "Reports shared with me" in seen["shared"] and "Kwabena Asante" in seen["shared"]

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
    found = [{c for c in pools["en"] if " ".join(c.split()) in text} for text in english_reports]
    shared = set.intersection(*found)  # read by every English-speaking leader
    assert len(shared) * 3 < min(len(comments) for comments in found)
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


def printed_accounts(stdout: str) -> list[dict[str, object]]:
    """The accounts step 10 prints: email, password, the page to try first and any others."""
    accounts: list[dict[str, object]] = []
    for line in stdout.split("sign in at http://127.0.0.1:5000/sign-in")[1].splitlines():
        key, _, value = line.strip().partition(":")
        value = value.strip().split("  (")[0].removeprefix("http://127.0.0.1:5000")
        if key == "email":
            accounts.append({"email": value, "pages": []})
        elif key in ("password", "try first", "then") and accounts:
            if key == "password":
                accounts[-1]["password"] = value
            else:
                accounts[-1]["pages"].append(value)
    return accounts


#: Run against the demo's database: what it holds, and each account signing in through the
#: sign-in page (with its CSRF token) and opening its pages.
CHECK_SCRIPT = """
import html, json, re, sys
from service.app import create_app
from service.cycles.models import Cycle
from service.db import db
from service.nominations.lists import state_of
from service.sharing.models import ReportShare
from service.staff.operations import roles_of
from service.staff.signin import check

accounts = json.loads(sys.argv[1])
app = create_app()
found = {"pages": []}
with app.app_context():
    hr = accounts[0]
    found["hr_roles"] = sorted(roles_of(check(hr["email"], hr["password"], "::1").person.id))
    cycles = list(db.session.scalars(db.select(Cycle).order_by(Cycle.id)))
    found["cycles"] = [[c.rubric_id, len((c.rubric_snapshot or {}).get("sections", [])),
                        sum(len(s["items"]) for s in (c.rubric_snapshot or {}).get("sections", [])),
                        c.state.value, c.nominated_by.value] for c in cycles]
    found["lists"] = {s.person.display_name: state_of(s).state.value
                      for s in cycles[-1].subjects}
    found["shares"] = [[r.subject.person.display_name, r.person.display_name, r.role.value]
                       for r in db.session.scalars(db.select(ReportShare))
                       if r.withdrawn_at is None]
for account in accounts:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search('name="csrf_token" value="([^"]+)"', page).group(1)
    signed = client.post("/sign-in", data={"email": account["email"],
                                           "password": account["password"],
                                           "csrf_token": token})
    assert signed.status_code in (302, 303), (account["email"], signed.status_code)
    for path in account["pages"]:
        response = client.get(path)
        text = (response.data[:4].decode() if path.endswith(".pdf")
                else html.unescape(response.get_data(as_text=True)))
        found["pages"].append([path, response.status_code, text])
print(json.dumps(found))
"""
