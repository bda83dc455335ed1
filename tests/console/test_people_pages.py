"""HR's people pages: directory status (with the last failed sync in words), a sync queued for
the worker, search, and a file import previewed by the import's own dry run before it is
applied with one audit row. Bad files: 400 with what is wrong and how to fix it."""

from __future__ import annotations

import io
import socket

from sqlalchemy import func, select

from service.db import db
from service.directory import tasks as directory_tasks
from service.directory.models import DirectorySyncState
from service.people.models import Person
from tests.console import run_fixtures
from tests.console.run_fixtures import audit_count, csrf, empty_queue, post
from tests.staff_fixtures import PASSWORD, add_person, sign_in

hr, not_hr = run_fixtures.hr, run_fixtures.not_hr

CSV = ("directory_id,email,given_name,family_name,display_name,department\n"
       "n-1,nia@example.org,Nia,Hughes,Nia Hughes,Wards\n"
       "n-2,owen@example.org,Owen,Price,Owen Price,Wards\n")


def _people() -> int:
    return db.session.scalar(select(func.count(Person.id))) or 0


def _upload(client, data: bytes, name: str = "people.csv"):
    token = csrf(client.get("/hr/people/import").get_data(as_text=True))
    return client.post("/hr/people/import", data={"csrf_token": token,
                                                  "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_people_pages_are_for_hr_only(staff_app, not_hr):
    anonymous = staff_app.test_client()
    for url in ("/hr/people", "/hr/people/import"):
        assert anonymous.get(url).status_code == 302
        assert not_hr.get(url).status_code == 403
    token = csrf(not_hr.get("/staff").get_data(as_text=True))
    assert not_hr.post("/hr/people/sync", data={"csrf_token": token}).status_code == 403
    assert not_hr.post("/hr/people/import", data={"csrf_token": token}).status_code == 403


def test_directory_status_and_search(hr):
    page = hr.get("/hr/people").get_data(as_text=True)
    assert "The directory has never been synced." in page
    assert "This service does not sync a directory by itself" in page
    db.session.add(DirectorySyncState(
        fingerprint={}, last_counts={"created": 12, "updated": 3, "deactivated": 1}))
    add_person("p-7", "Priya Patel", "priya@example.org", department="Cardiology")
    db.session.commit()
    page = hr.get("/hr/people?q=cardio").get_data(as_text=True)
    assert "12 added, 3 updated, 1 marked as left" in page
    assert "Priya Patel" in page and "priya@example.org" in page
    none = hr.get("/hr/people?q=nobody-like-this").get_data(as_text=True)
    assert "Nobody matches" in none


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sync_now_queues_the_worker_sync_with_one_audit_row(staff_make):
    app = staff_make(LDAP_URL=f"ldap://127.0.0.1:{_closed_port()}",
                     LDAP_BASE_DN="dc=example,dc=org", LDAP_SYNC_TASKS=True)
    with app.app_context():
        empty_queue(app)
        person = add_person("emp-hr", "Hana Officer", "hana@example.org")
        from service.staff.operations import create_account

        create_account(person, ("hr",), PASSWORD)
        db.session.commit()
        client = app.test_client()
        assert sign_in(client, "hana@example.org").status_code == 302
        huey = app.extensions["huey"]
        before = huey.pending_count()
        done = post(client, "/hr/people/sync", page_url="/hr/people")
        assert done.status_code == 303
        assert huey.pending_count() == before + 1
        assert audit_count("directory.sync_request") == 1 and audit_count() == 1
        assert "A directory sync is queued" in client.get(done.headers["Location"]).get_data(
            as_text=True)
        # The worker runs it; the directory cannot be reached: nothing changes, and the page
        # says so in words.
        task = huey.dequeue()
        huey.execute(task)
        assert directory_tasks.last_error() is not None
        page = client.get("/hr/people").get_data(as_text=True)
        assert "The last sync did not work" in page and "changed nobody" in page
        empty_queue(app)  # nothing of this app's tasks left for another test's worker


def test_sync_without_a_directory_is_refused_in_words(hr):
    refused = post(hr, "/hr/people/sync", page_url="/hr/people")
    assert refused.status_code == 409
    assert "not connected to a directory" in refused.get_data(as_text=True)
    assert audit_count() == 0


def test_import_previews_then_applies_with_one_audit_row(hr):
    before = _people()
    preview = _upload(hr, CSV.encode())
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "What this file would change" in html
    assert _people() == before  # a dry run: nothing saved
    assert audit_count() == 0
    key = html.split('name="upload" value="')[1].split('"')[0]
    applied = hr.post("/hr/people/import", data={"csrf_token": csrf(html), "action": "apply",
                                                 "upload": key})
    assert applied.status_code == 200
    assert "2 people added, 0 updated, 0 unchanged" in applied.get_data(as_text=True)
    assert _people() == before + 2
    assert audit_count("people.import") == 1 and audit_count() == 1
    again = hr.post("/hr/people/import", data={"csrf_token": csrf(html), "action": "apply",
                                               "upload": key})
    assert again.status_code == 400 and "was not found" in again.get_data(as_text=True)
    assert audit_count() == 1


def test_bad_files_get_400s_that_name_the_problem_and_the_fix(hr):
    nothing = hr.post("/hr/people/import", data={
        "csrf_token": csrf(hr.get("/hr/people/import").get_data(as_text=True))})
    assert nothing.status_code == 400
    assert "Choose a CSV or LDIF file to import" in nothing.get_data(as_text=True)
    wrong = _upload(hr, b"hello", "people.xlsx")
    assert wrong.status_code == 400
    assert "must be a CSV file (.csv) or an LDIF file (.ldif)" in wrong.get_data(as_text=True)
    bad = _upload(hr, b"directory_id,email\nn-1,not-an-address\n")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "nothing was changed" in html
    assert "line 2: email" in html and "There is a problem" in html
    binary = _upload(hr, b"\xff\xfe\x00bad")
    assert binary.status_code == 400 and "not UTF-8 text" in binary.get_data(as_text=True)
    assert audit_count() == 0


def test_a_bad_file_on_the_welsh_import_page_is_named_in_welsh(hr):
    hr.set_cookie("lang", "cy")
    binary = _upload(hr, b"\xff\xfe\x00bad")
    assert binary.status_code == 400 and "nid testun UTF-8 mohono" in binary.get_data(as_text=True)
    missing = _upload(hr, b"email\nsam@example.org\n").get_data(as_text=True)
    assert "colofn(au) ar goll: directory_id" in missing and "missing column" not in missing
    assert audit_count() == 0


def test_the_import_takes_files_over_the_general_body_limit(hr):
    rows = "".join(f"x-{i},person{i}@example.org,Given,Family{i},Given Family{i},Dept\n"
                   for i in range(6000))
    data = ("directory_id,email,given_name,family_name,display_name,department\n"
            + rows).encode()
    assert len(data) > 256 * 1024
    preview = _upload(hr, data)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:500]
    assert "6000" in preview.get_data(as_text=True)


def test_a_file_over_the_import_limit_is_refused_with_a_413_page(staff_make):
    app = staff_make(PEOPLE_IMPORT_MAX_BYTES=4096)
    with app.app_context():
        from service.staff.operations import create_account

        create_account(add_person("emp-hr", "Hana Officer", "hana@example.org"), ("hr",),
                       PASSWORD)
        db.session.commit()
        client = app.test_client()
        sign_in(client, "hana@example.org")
        refused = _upload(client, b"directory_id,email\n" + b"x" * 8000)
        assert refused.status_code == 413
        assert "files up to 4 kB" in refused.get_data(as_text=True)
