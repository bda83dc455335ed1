"""The appraisal evidence pack: issue and withdraw (audited), the record (scores only when
chosen, a hidden group's count as the report prints it and no column of its own), the digest,
the token kept only as a hash, the one-page PDF with its verification link, the JSON against
the published schema, the leader's pages and the public verification page."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.db import db
from service.errors import DomainError
from service.evidence import operations as evidence
from service.evidence.models import EvidencePack
from service.evidence.pdf import render
from service.facilitation.models import FeedbackSession
from service.plans.models import ActionPlan
from service.staff.operations import create_account
from tests.console.run_fixtures import csrf
from tests.factories import draft_cycle, team
from tests.leaders.support import released_report
from tests.staff_fixtures import PASSWORD, sign_in

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "integration.json"
COMMENT = "Always makes time to listen."


@pytest.fixture
def world(staff_app: Flask) -> dict[str, Any]:
    """A released report: three direct reports (shown), two peers (hidden: fewer than 3),
    the manager (shown, not anonymous) and self; a comment from each direct report."""
    people = team(size_reports=3, size_peers=2)
    subject = released_report(people["leader"], people["boss"], people["reports"],
                              peers=people["peers"], comment=COMMENT)
    create_account(people["leader"], (), PASSWORD)
    create_account(people["boss"], (), PASSWORD)
    db.session.commit()
    return {**people, "subject": subject}


def _with_session_and_plan(subject: Any) -> None:
    db.session.add(FeedbackSession(subject_id=subject.id, held_on=dt.date(2026, 11, 20)))
    db.session.add(ActionPlan(subject_id=subject.id, focus=[], actions="Weekly one-to-ones.",
                              support="", review_on=dt.date(2027, 5, 1), revision=1))
    db.session.flush()


def _client(app: Flask, email: str) -> Any:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _report_page(client: Any, subject: Any) -> str:
    return client.get(f"/me/cycles/{subject.id}/report").get_data(as_text=True)


# --- operations --------------------------------------------------------------------------------

def test_a_pack_without_scores_says_the_360_was_completed(world):
    subject = world["subject"]
    _with_session_and_plan(subject)
    pack, token = evidence.issue_pack(subject, by=world["leader"])
    db.session.commit()
    record = pack.record
    assert record["scores"] is None and not pack.include_scores
    assert record["leader"]["display_name"] == "Alex Leader"
    assert record["cycle"]["name"] == "Spring leadership 360"
    assert record["facilitated_session"] == {"held": True, "held_on": "2026-11-20"}
    assert record["action_plan"] == {"agreed": True, "review_on": "2027-05-01"}
    groups = {g["group"]: g for g in record["raters"]}
    assert groups["direct_report"] == {"group": "direct_report", "label": "Direct reports",
                                       "invited": 3, "responded": 3, "shown": True}
    # the report's "who responded" table lists the hidden peers with their count: so does this
    assert groups["peer"]["responded"] == 2 and groups["peer"]["shown"] is False
    assert COMMENT not in json.dumps(record)
    # the digest is SHA-256 over the record as canonical JSON
    assert pack.digest == hashlib.sha256(json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    # the token is stored hashed only
    assert pack.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = db.session.execute(select(EvidencePack.__table__)).one()._mapping
    assert token not in json.dumps({k: str(v) for k, v in row.items()})
    assert evidence.token_of(pack) == token
    assert evidence.find_by_token(token) is pack


def test_scores_only_when_chosen_and_never_a_hidden_groups(world):
    pack, _ = evidence.issue_pack(world["subject"], include_scores=True)
    scores = pack.record["scores"]
    assert scores is not None
    keys = [c["key"] for c in scores["columns"]]
    assert "direct_report" in keys and "peer" not in keys
    for section in scores["sections"]:
        assert "peer" not in section["scores"]
        assert set(section["scores"]) <= set(keys)
    assert all(set(cell) == {"mean", "n"} for s in scores["sections"]
               for cell in s["scores"].values())


def test_no_plan_and_no_session(world):
    pack, _ = evidence.issue_pack(world["subject"])
    assert pack.record["facilitated_session"] == {"held": False, "held_on": None}
    assert pack.record["action_plan"] == {"agreed": False, "review_on": None}


def test_issue_again_replaces_and_withdraw_is_audited(world):
    subject = world["subject"]
    first, first_token = evidence.issue_pack(subject)
    second, _ = evidence.issue_pack(subject, include_scores=True)
    assert first.withdrawn_at is not None and second.active
    assert evidence.active_pack(subject) is second
    evidence.withdraw_pack(second)
    with pytest.raises(DomainError):
        evidence.withdraw_pack(second)
    db.session.commit()
    assert evidence.active_pack(subject) is None
    actions = [(e.action, e.summary) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("evidence.%")).order_by(AuditEvent.id))]
    assert [a for a, _ in actions] == ["evidence.issue", "evidence.issue", "evidence.withdraw"]
    assert "without scores" in actions[0][1] and "with section scores" in actions[1][1]
    assert f"replacing pack {first.id}" in actions[1][1]
    assert first_token not in str(actions)


def test_two_issues_at_the_same_moment_leave_one_current_pack(world, monkeypatch):
    """Two requests that both read "no current pack" (as when they cross): the unique index on
    current packs refuses the second in words, and the first stays the one current pack."""
    subject = world["subject"]
    first, _ = evidence.issue_pack(subject)
    db.session.commit()
    monkeypatch.setattr(evidence, "active_pack", lambda _subject: None)  # the stale read
    with pytest.raises(DomainError, match="issued at the same moment; reload the page"):
        evidence.issue_pack(subject, include_scores=True)
    db.session.commit()
    assert [(p.id, p.active) for p in db.session.scalars(
        select(EvidencePack).where(EvidencePack.subject_id == subject.id))] == [(first.id, True)]


def test_no_pack_before_the_report_is_released(world):
    cycle = draft_cycle({"leader": world["peers"][0], "boss": world["boss"], "reports": [],
                         "peers": []})
    with pytest.raises(DomainError):
        evidence.issue_pack(cycle.subjects[0])


def test_a_changed_secret_key_stops_downloads_not_verification(world, staff_app):
    pack, token = evidence.issue_pack(world["subject"])
    db.session.commit()
    staff_app.config["SECRET_KEY"] = "another secret key, long enough to be accepted here"
    with pytest.raises(evidence.PackUnavailable):
        evidence.token_of(pack)
    assert evidence.find_by_token(token) is pack


# --- the PDF and the JSON ----------------------------------------------------------------------

def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_pdf_is_one_tagged_page_with_the_link(world, language):
    world["leader"].language = language
    _with_session_and_plan(world["subject"])
    pack, token = evidence.issue_pack(world["subject"], include_scores=True)
    url = evidence.verification_url(token)
    pdf = render(pack, url)
    if os.environ.get("EVIDENCE_PDF_DIR"):  # to look at it: pdftoppm -png -r 60
        Path(os.environ["EVIDENCE_PDF_DIR"], f"evidence-{language}.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert reader.trailer["/Root"]["/Lang"] == language
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert "Alex Leader" in reader.metadata.title
    text = re.sub(r"\s+", "", _text(pdf))
    assert url.replace(" ", "") in text
    assert pack.digest[:8] in text
    assert COMMENT.replace(" ", "") not in text
    if language == "cy":
        assert "Tystiolaeth" in _text(pdf) or "tystiolaeth" in _text(pdf)


def test_a_long_record_still_fits_one_page(world):
    """A rubric of many sections with scores: drawn smaller, not onto a second page."""
    pack, token = evidence.issue_pack(world["subject"], include_scores=True)
    sections = pack.record["scores"]["sections"]
    pack.record = {**pack.record, "scores": {**pack.record["scores"],
                                             "sections": sections * 3}}
    pdf = render(pack, evidence.verification_url(token))
    if os.environ.get("EVIDENCE_PDF_DIR"):
        Path(os.environ["EVIDENCE_PDF_DIR"], "evidence-long.pdf").write_bytes(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    db.session.rollback()


def _json_schema(root: str) -> dict[str, Any]:
    """The published OpenAPI schemas as JSON Schema (OpenAPI 3.0's nullable made a type)."""
    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: convert(v) for k, v in node.items()}
            if node.pop("nullable", False):
                if "type" in node:
                    node["type"] = [node["type"], "null"]
                else:
                    node = {"anyOf": [node, {"type": "null"}]}
            if "$ref" in node:
                node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/$defs/")
            return node
        if isinstance(node, list):
            return [convert(v) for v in node]
        return node

    schemas = json.loads(SCHEMAS.read_text())["components"]["schemas"]
    defs = {name: convert(schema) for name, schema in schemas.items()}
    return {"$ref": f"#/$defs/{root}", "$defs": defs}


@pytest.mark.parametrize("scores", [False, True])
def test_the_leaders_json_download_matches_the_published_schema(staff_app, world, scores):
    pack, token = evidence.issue_pack(world["subject"], include_scores=scores)
    db.session.commit()
    leader = _client(staff_app, world["leader"].email)
    response = leader.get(f"/me/cycles/{world['subject'].id}/evidence/{pack.id}.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert "Alex" not in disposition and "Leader" not in disposition
    body = json.loads(response.get_data(as_text=True))
    jsonschema_rs.validator_for(_json_schema("EvidencePackOut")).validate(body)
    assert body["verification_url"].endswith(f"/verify/{token}")
    assert body["digest"] == {"algorithm": "sha256", "value": evidence.digest_of(
        body["record"])}
    assert (body["record"]["scores"] is not None) == scores


def test_the_leaders_pdf_download(staff_app, world):
    pack, _ = evidence.issue_pack(world["subject"])
    db.session.commit()
    leader = _client(staff_app, world["leader"].email)
    response = leader.get(f"/me/cycles/{world['subject'].id}/evidence/{pack.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Leader" not in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(
        f'evidence-pack-{world["subject"].cycle_id}-{world["subject"].id}-{pack.id}.pdf"')


# --- the leader's page -------------------------------------------------------------------------

def test_the_leader_issues_downloads_and_withdraws_from_the_report_page(staff_app, world):
    subject = world["subject"]
    leader = _client(staff_app, world["leader"].email)
    page = _report_page(leader, subject)
    assert "Appraisal evidence pack" in page and "Issue an evidence pack" in page
    response = leader.post(f"/me/cycles/{subject.id}/evidence",
                           data={"csrf_token": csrf(page), "scores": "yes"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("done=evidence_issued#evidence")
    pack = db.session.scalars(select(EvidencePack)).one()
    assert pack.include_scores and pack.issued_by_id == world["leader"].id
    page = _report_page(leader, subject)
    assert "Section scores included" in page and f"/evidence/{pack.id}.pdf" in page
    link = evidence.verification_url(evidence.token_of(pack))
    assert link in page
    response = leader.post(f"/me/cycles/{subject.id}/evidence/{pack.id}/withdraw",
                           data={"csrf_token": csrf(page)})
    assert response.status_code == 303
    db.session.refresh(pack)
    assert pack.withdrawn_at is not None
    assert leader.get(f"/me/cycles/{subject.id}/evidence/{pack.id}.pdf").status_code == 404
    assert leader.get(f"/me/cycles/{subject.id}/evidence/{pack.id}.json").status_code == 404
    page = _report_page(leader, subject)
    assert "withdrawn" in page and "Issue an evidence pack" in page


def test_someone_elses_pack_is_404(staff_app, world):
    pack, _ = evidence.issue_pack(world["subject"])
    db.session.commit()
    boss = _client(staff_app, world["boss"].email)
    base = f"/me/cycles/{world['subject'].id}/evidence"
    assert boss.get(f"{base}/{pack.id}.pdf").status_code == 404
    assert boss.get(f"{base}/{pack.id}.json").status_code == 404


# --- the verification page ---------------------------------------------------------------------

def test_verify_genuine_shows_only_what_matches_the_paper(staff_app, world):
    _with_session_and_plan(world["subject"])
    pack, token = evidence.issue_pack(world["subject"], include_scores=True)
    db.session.commit()
    response = staff_app.test_client().get(f"/verify/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    page = response.get_data(as_text=True)
    assert "This evidence pack is genuine" in page
    assert "Alex Leader" in page and "Spring leadership 360" in page
    assert pack.digest[:8] in page and pack.digest[-8:] in page
    for absent in ("Direct reports", "Peers", "Responded", COMMENT, "2027", "20 November",
                   world["boss"].display_name):
        assert absent not in page, absent
    assert not re.search(r"\b\d\.\d\b", page), "no score on the page"
    # The pack's yes/no facts, so an edited paper shows without the JSON.
    for fact in ("Facilitated session held", "Action plan agreed", "Section scores included"):
        assert re.search(fact + r"\s*</dt>\s*<dd[^>]*>\s*Yes\s*</dd>", page), fact


def test_verify_withdrawn(staff_app, world):
    pack, token = evidence.issue_pack(world["subject"])
    evidence.withdraw_pack(pack)
    db.session.commit()
    response = staff_app.test_client().get(f"/verify/{token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This evidence pack was withdrawn" in page and "genuine" not in page
    for fact in ("Facilitated session held", "Action plan agreed", "Section scores included"):
        assert re.search(fact + r"\s*</dt>\s*<dd[^>]*>\s*No\s*</dd>", page), fact


@pytest.mark.parametrize("token", ["A" * 43, "short", "x" * 99])
def test_verify_unknown_is_a_404_page(staff_app, world, token):
    response = staff_app.test_client().get(f"/verify/{token}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "We do not recognise this verification link" in page
    assert "Alex Leader" not in page


def test_verify_in_welsh(staff_app, world):
    _, token = evidence.issue_pack(world["subject"])
    db.session.commit()
    client = staff_app.test_client()
    page = client.get(f"/verify/{token}", headers={"Accept-Language": "cy"}).get_data(
        as_text=True)
    assert 'lang="cy"' in page and "Alex Leader" in page


def test_verify_failures_are_throttled(make_app, tmp_path):
    app = make_app(TOKEN_FAILURE_LIMIT="2 per minute",
                   RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'throttle.sqlite'}")
    client = app.test_client()
    assert [client.get(f"/verify/{'B' * 43}").status_code for _ in range(3)] == [404, 404, 429]
