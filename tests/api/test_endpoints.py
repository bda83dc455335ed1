"""Every endpoint: what it answers, what it refuses, and that it acts through the same
operations as the console and the CLI (their audit rows, their rules)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEvent
from service.cycles.models import Cycle, CycleState
from service.db import db
from service.nominations.models import Invitation
from service.outbox.models import OutboxMessage
from service.rubrics.loader import load_rubric_file
from tests import factories

TODAY = dt.date.today()
RUBRIC = "compassionate-inclusive-leadership"


def _new_cycle(api, **extra):
    body = {"name": "Spring 360", "opens_on": str(TODAY), "closes_on": str(TODAY + dt.timedelta(
        days=21)), **extra}
    response = api("POST", "/cycles", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- people -------------------------------------------------------------------------------

def test_people_are_listed_a_page_at_a_time(api):
    people = [factories.person(f"p{i:02}", f"Person {i:02}") for i in range(7)]
    people[6].active = False
    db.session.commit()
    first = api("GET", "/people?per_page=3").get_json()
    assert [p["directory_id"] for p in first["items"]] == ["p00", "p01", "p02"]
    assert (first["page"], first["per_page"], first["total"]) == (1, 3, 7)
    last = api("GET", "/people?per_page=3&page=3").get_json()
    assert [p["directory_id"] for p in last["items"]] == ["p06"]
    active = api("GET", "/people?active=true&per_page=100").get_json()
    assert active["total"] == 6
    assert set(first["items"][0]) == {"id", "directory_id", "email", "display_name",
                                      "given_name", "family_name", "title", "department",
                                      "manager_id", "language", "active"}


def test_one_person(api):
    boss = factories.person("boss", "Morgan Boss")
    person = factories.person("alex", "Alex Leader", manager=boss, department="Surgery")
    db.session.commit()
    body = api("GET", f"/people/{person.id}").get_json()
    assert body["display_name"] == "Alex Leader" and body["manager_id"] == boss.id
    assert body["department"] == "Surgery"


@pytest.mark.parametrize("path", ["/people/999999", "/people/0", "/people/-1",
                                  f"/people/{10**30}", "/people/abc", "/cycles/2147483648",
                                  f"/cycles/{10**30}/progress", "/rubrics/nope",
                                  "/rubrics/..%2F..%2Fetc", "/nothing-here"])
def test_an_unknown_or_out_of_range_id_is_a_json_404(api, path):
    response = api("GET", path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["code"] == "not_found"


@pytest.mark.parametrize("query, field", [("page=0", "page"), ("per_page=101", "per_page"),
                                          (f"page={10**30}", "page"), ("page=x", "page"),
                                          ("active=maybe", "active"), ("colour=red", "colour")])
def test_bad_page_arguments_are_refused_with_the_field(api, query, field):
    response = api("GET", f"/people?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_input" and body["field"] == field
    assert field in body["errors"]["query"]


# --- rubrics ------------------------------------------------------------------------------

def test_rubrics_list_and_read(api, app):
    listed = api("GET", "/rubrics").get_json()["items"]
    assert RUBRIC in [r["id"] for r in listed]
    rubric = api("GET", f"/rubrics/{RUBRIC}").get_json()
    assert rubric["id"] == RUBRIC and rubric["sections"]
    assert rubric["title"]["cy"]


def test_a_good_rubric_validates(api, app):
    raw = load_rubric_file(f"{app.config['RUBRICS_DIR']}/{RUBRIC}.yaml")
    response = api("POST", "/rubrics/validate", json=_as_sent(raw))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["valid"] is True
    assert response.get_json()["summary"].startswith(f"{RUBRIC} v")


def _as_sent(rubric):
    """A loaded rubric back into the form a file has (the report settings are defaults)."""
    return {key: value for key, value in rubric.items() if value not in ([], None)}


def test_a_bad_rubric_is_refused_field_by_field(api, app):
    raw = _as_sent(load_rubric_file(f"{app.config['RUBRICS_DIR']}/{RUBRIC}.yaml"))
    raw["sections"][0]["items"][0]["colour"] = "blue"
    raw["id"] = "Not A Slug"
    response = api("POST", "/rubrics/validate", json=raw)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_input"
    errors = body["errors"]["json"]
    assert "id" in errors
    assert "colour" in errors["sections"]["0"]["items"]["0"]


@pytest.mark.parametrize("body", [[], "text", 5, None])
def test_a_rubric_that_is_not_an_object_is_refused(api, body):
    response = api("POST", "/rubrics/validate", json=body)
    assert response.status_code == 422


def test_a_body_that_is_not_json_is_refused_in_json(api):
    response = api("POST", "/rubrics/validate", data="{not json",
                   headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/json"


# --- cycles -------------------------------------------------------------------------------

def test_create_read_list_and_edit_a_draft(api):
    created = _new_cycle(api, min_group_size=4, nominated_by="leader")
    assert created["state"] == "draft" and created["min_group_size"] == 4
    assert created["nominated_by"] == "leader" and created["rubric_id"] == RUBRIC
    assert api("GET", f"/cycles/{created['id']}").get_json() == created
    listed = api("GET", "/cycles").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == created["id"]
    edited = api("PATCH", f"/cycles/{created['id']}", json={"name": "Summer 360"})
    assert edited.status_code == 200 and edited.get_json()["name"] == "Summer 360"
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "cycle.edit")) == "cycle.edit"


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "opens_on": "2030-01-01"}, "closes_on"),
    ({"name": "x", "opens_on": "2030-01-01", "closes_on": "2030-02-01", "colour": "red"},
     "colour"),
    ({"name": "x", "opens_on": "2030-13-01", "closes_on": "2030-02-01"}, "opens_on"),
    ({"name": "x", "opens_on": "2030-01-01", "closes_on": "2030-02-01", "min_group_size": 1},
     "min_group_size"),
    ({"name": "x", "opens_on": "2030-01-01", "closes_on": "2030-02-01", "nominated_by": "me"},
     "nominated_by"),
])
def test_create_refuses_bad_settings_naming_the_field(api, body, field):
    response = api("POST", "/cycles", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert db.session.scalar(select(func.count(Cycle.id))) == 0


def test_create_refuses_what_the_operation_refuses(api):
    response = api("POST", "/cycles", json={"name": "x", "opens_on": "2030-02-01",
                                            "closes_on": "2030-01-01"})
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_input"
    assert "closing date after the opening date" in response.get_json()["message"]
    unknown = api("POST", "/cycles", json={"name": "x", "opens_on": "2030-01-01",
                                           "closes_on": "2030-02-01", "rubric_id": "nope"})
    assert unknown.status_code == 400 and "no rubric with id 'nope'" in unknown.get_json()[
        "message"]


def test_the_whole_run_of_a_cycle(api, app):
    people = factories.team(size_reports=3, size_peers=3)
    db.session.commit()
    cycle = _new_cycle(api)
    path = f"/cycles/{cycle['id']}"
    leader = people["leader"].id
    added = api("POST", f"{path}/leaders", json={"leaders": [leader, leader]})
    assert added.status_code == 200 and added.get_json() == {"added": [leader], "already": []}
    again = api("POST", f"{path}/leaders", json={"leaders": [leader]}).get_json()
    assert again == {"added": [], "already": [leader]}
    raters = [(leader, "self"), (people["boss"].id, "manager")] + \
        [(p.id, "direct_report") for p in people["reports"]] + \
        [(p.id, "peer") for p in people["peers"]]
    for rater, group in raters:
        response = api("POST", f"{path}/nominations",
                       json={"leader": leader, "rater": rater, "group": group})
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["group"] == group
    twice = api("POST", f"{path}/nominations",
                json={"leader": leader, "rater": people["boss"].id, "group": "manager"})
    assert twice.status_code == 409 and "already nominated" in twice.get_json()["message"]
    launched = api("POST", f"{path}/launch", headers={"Idempotency-Key": "launch-1"})
    assert launched.status_code == 200, launched.get_json()
    assert launched.get_json()["invitations"] == len(raters)
    assert launched.get_json()["cycle"]["state"] == "open"
    edit = api("PATCH", path, json={"name": "Too late"})
    assert edit.status_code == 409 and edit.get_json()["code"] == "conflict"
    progress = api("GET", f"{path}/progress").get_json()
    assert progress["invited"] == len(raters) and progress["responded"] == 0
    [row] = progress["leaders"]
    assert row["leader"] == "Alex Leader"
    assert {g["group"]: g["invited"] for g in row["groups"]} == {
        "self": 1, "manager": 1, "peer": 3, "direct_report": 3}
    assert "email" not in str(progress).lower()  # counts, never who
    later = TODAY + dt.timedelta(days=30)
    extended = api("POST", f"{path}/extend", json={"closes_on": str(later)})
    assert extended.status_code == 200 and extended.get_json()["closes_on"] == str(later)
    earlier = api("POST", f"{path}/extend", json={"closes_on": str(TODAY)})
    assert earlier.status_code == 400 and "must be later" in earlier.get_json()["message"]
    closed = api("POST", f"{path}/close")
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    released = api("POST", f"{path}/release")  # reports are still being rendered
    assert released.status_code == 409
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.actor.like("API key %")).order_by(AuditEvent.id)).all()
    for action in ("cycle.create", "cycle.add_leaders", "nomination.add", "cycle.launch",
                   "cycle.extend", "cycle.close"):
        assert action in actions


def test_release_of_a_draft_names_the_states(api):
    cycle = _new_cycle(api)
    response = api("POST", f"/cycles/{cycle['id']}/release")
    assert response.status_code == 409
    assert "is draft: it can move to open, not released" in response.get_json()["message"]


def test_launch_without_leaders_is_refused_and_changes_nothing(api):
    cycle = _new_cycle(api)
    response = api("POST", f"/cycles/{cycle['id']}/launch")
    assert response.status_code == 409 and "has no leaders" in response.get_json()["message"]
    assert db.session.get(Cycle, cycle["id"]).state == CycleState.DRAFT


def test_nominate_names_what_is_missing(api):
    people = factories.team(size_reports=1, size_peers=1)
    db.session.commit()
    cycle = _new_cycle(api)
    response = api("POST", f"/cycles/{cycle['id']}/nominations",
                   json={"leader": people["leader"].id, "rater": people["boss"].id,
                         "group": "manager"})
    assert response.status_code == 400
    assert "is not a leader in cycle" in response.get_json()["message"]
    missing = api("POST", f"/cycles/{cycle['id']}/nominations",
                  json={"leader": 10**30, "rater": 1, "group": "manager"})
    assert missing.status_code == 422 and missing.get_json()["field"] == "leader"
    nobody = api("POST", f"/cycles/{cycle['id']}/leaders", json={"leaders": [2147483647]})
    assert nobody.status_code == 404


# --- idempotency ------------------------------------------------------------------------

def _ready_draft(api):
    people = factories.team(size_reports=1, size_peers=1)
    db.session.commit()
    cycle = _new_cycle(api)
    path = f"/cycles/{cycle['id']}"
    api("POST", f"{path}/leaders", json={"leaders": [people["leader"].id]})
    api("POST", f"{path}/nominations", json={"leader": people["leader"].id,
                                             "rater": people["boss"].id, "group": "manager"})
    return path


def test_a_retried_launch_answers_as_the_first_and_launches_once(api):
    path = _ready_draft(api)
    first = api("POST", f"{path}/launch", headers={"Idempotency-Key": "abc-123"})
    second = api("POST", f"{path}/launch", headers={"Idempotency-Key": "abc-123"})
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count(Invitation.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "cycle.launch")) == 1
    without = api("POST", f"{path}/launch")  # no key: a second launch, refused by the rules
    assert without.status_code == 409


def test_a_retried_create_makes_one_cycle(api):
    body = {"name": "Once", "opens_on": "2030-01-01", "closes_on": "2030-02-01"}
    answers = [api("POST", "/cycles", json=body, headers={"Idempotency-Key": "k1"})
               for _ in range(3)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert db.session.scalar(select(func.count(Cycle.id))) == 1


def test_a_refusal_is_kept_too(api):
    body = {"name": "x", "opens_on": "2030-02-01", "closes_on": "2030-01-01"}
    first = api("POST", "/cycles", json=body, headers={"Idempotency-Key": "bad"})
    second = api("POST", "/cycles", json=body, headers={"Idempotency-Key": "bad"})
    assert first.status_code == second.status_code == 400
    assert first.get_json() == second.get_json()


def test_the_same_key_with_another_request_is_refused(api):
    api("POST", "/cycles", json={"name": "A", "opens_on": "2030-01-01",
                                 "closes_on": "2030-02-01"}, headers={"Idempotency-Key": "k"})
    other = api("POST", "/cycles", json={"name": "B", "opens_on": "2030-01-01",
                                         "closes_on": "2030-02-01"},
                headers={"Idempotency-Key": "k"})
    assert other.status_code == 422
    assert other.get_json()["code"] == "idempotency_key_reused"
    assert other.get_json()["field"] == "Idempotency-Key"
    assert db.session.scalar(select(func.count(Cycle.id))) == 1


def test_keys_are_per_api_key(client, api_with):
    one, two = api_with("cycles:write"), api_with("cycles:write")
    body = {"name": "A", "opens_on": "2030-01-01", "closes_on": "2030-02-01"}
    assert one("POST", "/cycles", json=body, headers={"Idempotency-Key": "k"}).status_code == 201
    assert two("POST", "/cycles", json=body, headers={"Idempotency-Key": "k"}).status_code == 201
    assert db.session.scalar(select(func.count(Cycle.id))) == 2


def test_an_overlong_idempotency_key_is_refused(api):
    response = api("POST", "/cycles", json={}, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_idempotency_key"


# --- errors -------------------------------------------------------------------------------

def test_a_wrong_method_is_a_json_405(api):
    response = api("DELETE", "/cycles")
    assert response.status_code == 405 and response.get_json()["code"] == "method_not_allowed"


def test_a_bug_is_a_json_500_without_a_traceback(api, monkeypatch):
    import service.api.people as people_api

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(people_api, "list_people", broken)
    api.client.application.testing = False
    api.client.application.config["PROPAGATE_EXCEPTIONS"] = False
    response = api("GET", "/people")
    assert response.status_code == 500
    assert response.get_json()["code"] == "server_error"
    assert "secret detail" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_an_oversized_body_is_a_json_413(api, app):
    response = api("POST", "/rubrics/validate",
                   data=b"{" + b" " * (app.config["MAX_CONTENT_LENGTH"] + 1) + b"}",
                   headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.get_json()["code"] == "too_large"


def test_the_documentation_page_is_served_from_the_apps_own_files(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert "<script>" not in html and "https://" not in html
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "img-src 'self' data:" in csp
    bundle = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.data) > 100_000
    assert client.get("/api/v1/docs/assets/package.json").status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_a_cycle_takes_each_groups_k_and_its_own_groups(api):
    body = _new_cycle(api, peer_min=4, groups=[
        {"name_en": "Students and trainees", "name_cy": "Myfyrwyr a hyfforddeion",
         "min_size": 5}])
    assert (body["peer_min"], body["direct_report_min"], body["other_min"]) == (4, None, None)
    assert body["groups"] == [{"key": "students_and_trainees", "name_en": "Students and "
                               "trainees", "name_cy": "Myfyrwyr a hyfforddeion", "min_size": 5}]
    low = api("PATCH", f"/cycles/{body['id']}", json={"groups": [
        {"name_en": "Students", "name_cy": "Myfyrwyr", "min_size": 1}]})
    assert low.status_code == 422 and "min_size" in str(low.get_json())
    one = api("PATCH", f"/cycles/{body['id']}", json={"peer_min": 1})
    assert one.status_code == 422 and "peer_min" in str(one.get_json())
    edited = api("PATCH", f"/cycles/{body['id']}", json={"peer_min": None, "groups": []})
    assert edited.status_code == 200, edited.get_json()
    assert (edited.get_json()["groups"], edited.get_json()["peer_min"]) == ([], None)


def test_the_documentation_page_s_own_words_are_in_welsh_too(client, app, tmp_path):
    client.get("/language/cy?next=/")
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert 'lang="cy"' in page and "Mae angen JavaScript ar y dudalen hon" in page
    assert '<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>' in page
    app.config["SWAGGER_UI_DIR"] = str(tmp_path)  # the viewer's files missing
    missing = client.get("/api/v1/docs")
    assert missing.status_code == 503
    text = missing.get_data(as_text=True)
    assert '<html lang="cy">' in text and "<code>make install</code>" in text
    assert "Nid yw ffeiliau" in text
