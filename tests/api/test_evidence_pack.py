"""The appraisal evidence pack through the API: served (JSON and PDF) only while the leader has
a current pack and has shared their report with the integration themselves (the
organisation's policy does not give it), every refusal with its code, reports:read needed."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from service.db import db
from service.evidence import operations as evidence
from service.sharing import integration
from tests import factories
from tests.leaders.support import released_report


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    people = factories.team(size_reports=3, size_peers=2)
    subject = released_report(people["leader"], people["boss"], people["reports"],
                              peers=people["peers"])
    db.session.commit()
    cycle = subject.cycle
    return {**people, "subject": subject, "cycle": cycle,
            "base": f"/cycles/{cycle.id}/reports/{people['leader'].id}/evidence-pack"}


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.get_json()["code"] == code


def _issue(subject: Any, scores: bool = False) -> tuple[Any, str]:
    made = evidence.issue_pack(subject, include_scores=scores)
    db.session.commit()
    return made


def test_the_pack_with_consent(api, world):
    _, token = _issue(world["subject"])
    integration.give_consent(world["subject"])
    db.session.commit()
    response = api("GET", world["base"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["record"]["scores"] is None
    assert body["verification_url"].endswith(f"/verify/{token}")
    assert body["digest"]["value"] == evidence.digest_of(body["record"])
    assert body["issued_at"].endswith("+00:00")
    pdf = api("GET", world["base"] + "/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    assert "Leader" not in pdf.headers["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 1


def test_no_consent_no_pack(api, world):
    _issue(world["subject"])
    _refused(api("GET", world["base"]), 403, "evidence_pack_not_shared")
    _refused(api("GET", world["base"] + "/pdf"), 403, "evidence_pack_not_shared")


def test_the_policy_does_not_give_the_pack(app, api, world):
    app.config["APPRAISAL_ALWAYS_RECEIVES_SUMMARY"] = True
    _issue(world["subject"])
    _refused(api("GET", world["base"]), 403, "evidence_pack_not_shared")


def test_consent_withdrawn_takes_effect_on_the_next_call(api, world):
    _issue(world["subject"])
    integration.give_consent(world["subject"])
    db.session.commit()
    assert api("GET", world["base"]).status_code == 200
    integration.withdraw_consent(world["subject"])
    db.session.commit()
    _refused(api("GET", world["base"]), 403, "evidence_pack_not_shared")


def test_no_pack_or_a_withdrawn_one(api, world):
    integration.give_consent(world["subject"])
    db.session.commit()
    _refused(api("GET", world["base"]), 404, "no_evidence_pack")
    pack, _ = _issue(world["subject"])
    evidence.withdraw_pack(pack)
    db.session.commit()
    _refused(api("GET", world["base"]), 404, "no_evidence_pack")
    _refused(api("GET", world["base"] + "/pdf"), 404, "no_evidence_pack")


def test_scores_only_when_the_leader_included_them(api, world):
    integration.give_consent(world["subject"])
    _issue(world["subject"], scores=True)
    record = api("GET", world["base"]).get_json()["record"]
    assert record["scores"] is not None
    assert all("peer" not in s["scores"] for s in record["scores"]["sections"])


def test_not_a_leader_and_not_released(api, world):
    cycle = world["cycle"]
    _refused(api("GET", f"/cycles/{cycle.id}/reports/{world['boss'].id}/evidence-pack"), 404,
             "not_a_leader")
    draft = factories.draft_cycle({"leader": world["peers"][0], "boss": world["boss"],
                                   "reports": [], "peers": []})
    db.session.commit()
    _refused(api("GET", f"/cycles/{draft.id}/reports/{world['peers'][0].id}/evidence-pack"),
             404, "not_released")


def test_a_changed_secret_key(app, api, world):
    integration.give_consent(world["subject"])
    _issue(world["subject"])
    app.config["SECRET_KEY"] = "another secret key, long enough to be accepted here"
    _refused(api("GET", world["base"]), 409, "evidence_pack_unavailable")


@pytest.mark.parametrize("tail", ["", "/pdf"])
def test_the_pack_needs_reports_read(api_with, world, tail):
    response = api_with("cycles:read", "progress:read")("GET", world["base"] + tail)
    _refused(response, 403, "missing_scope")
