"""People read back out after a sync: every character survives, in CSV and in JSON."""

from __future__ import annotations

import csv
import io
import json

from flask import Flask

from tests.directory.conftest import Org, run, synced_people
from tests.directory.test_sync import directory_id, sync
from tests.ldap_server import Slapd


def test_export_after_sync_keeps_every_name_exact(ldap_app: Flask, directory: Slapd,
                                                  org: Org, tmp_path) -> None:
    sync(ldap_app)
    directory.delete(org.staff[0])
    sync(ldap_app, "--full")

    as_json = json.loads(run(ldap_app, "people", "export", "--format", "json").output)
    result = run(ldap_app, "people", "export", "--format", "csv")
    assert result.exit_code == 0
    as_csv = list(csv.DictReader(io.StringIO(result.output)))
    assert len(as_json) == len(as_csv) == synced_people()

    by_id = {row["directory_id"]: row for row in as_json}
    odd = by_id[directory_id(directory, org.odd)]
    sian = by_id[directory_id(directory, org.sian)]
    assert (odd["given_name"], odd["family_name"], odd["title"]) == (
        "Ŵyn (Bob)*", "Back\\slash, Jr", "Nurse (band 6)")
    assert odd["manager_directory_id"] == sian["directory_id"]
    assert (sian["display_name"], sian["title"], sian["language"], sian["active"]) == (
        "Siân O'Brien", "Matron, Surgery", "cy", True)
    assert by_id[directory_id(directory, org.chief)]["email"] == "gwen.aprhys@example.org"
    left = [row for row in as_json if not row["active"]]
    assert [row["username"] for row in left] == [org.staff[0].uid]

    csv_row = next(row for row in as_csv if row["directory_id"] == odd["directory_id"])
    # CSV has no null: an empty cell is "none" (the language here), and the flag is lower case.
    assert csv_row == {**{k: "" if v is None else str(v) for k, v in odd.items()},
                       "active": "true"}

    # The CSV reads back in as it went out: nothing changes.
    path = tmp_path / "people.csv"
    path.write_text(result.output, encoding="utf-8")
    imported = run(ldap_app, "people", "import", str(path))
    assert imported.exit_code == 0, imported.output
    assert f"created 0, updated 0, unchanged {synced_people()}" in imported.output
