"""Active Directory's incremental watermark: the highestCommittedUSN of the DC that answered.

The slapd here plays a domain controller whose root DSE shows dsServiceName and
highestCommittedUSN, as AD's does; `restart()` moves the counter on, names another DC, or puts
it back (a DC restored from a backup)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from service.db import db
from service.directory.models import DirectorySyncState
from tests.directory.conftest import Org, build_org
from tests.directory.test_sync import person, sync
from tests.ldap_server import Slapd, app_settings, slapd_missing


@pytest.fixture
def small_org() -> Org:
    return build_org(40)


@pytest.fixture
def dc(tmp_path: Path, small_org: Org) -> Iterator[Slapd]:
    problem = slapd_missing()
    if problem:
        pytest.fail(problem)
    server = Slapd(tmp_path / "dc1", "ad", dc_name="DC1").start(small_org.everyone)
    yield server
    server.stop()


@pytest.fixture
def dc_app(make_app: Any, dc: Slapd) -> Iterator[Flask]:
    application = make_app(**app_settings(dc))
    with application.app_context():
        yield application


def saved() -> DirectorySyncState:
    db.session.expire_all()
    return db.session.scalars(select(DirectorySyncState)).one()


def test_the_watermark_is_the_counter_read_before_the_search(dc_app: Flask, dc: Slapd,
                                                            small_org: Org) -> None:
    loaded = dc.usn
    # Changed while the first sweep runs: after the root DSE was read (it still says `loaded`).
    dc.modify(small_org.staff[5], title="Changed mid-sweep")
    first = sync(dc_app)
    assert first["mode"] == "full" and first["watermark"] == str(loaded)
    state = saved()
    assert state.server.startswith("CN=NTDS Settings,CN=DC1,")
    assert person(dc, small_org.staff[5]).title == "Changed mid-sweep"

    dc.modify(small_org.staff[6], title="Senior Staff Nurse")
    dc.modify(small_org.staff[7], title="Senior Staff Nurse")
    dc.restart()  # the DC's counter now includes those three changes
    second = sync(dc_app)
    assert second["mode"] == "incremental" and second["reason"] == f"changes since {loaded}"
    # Exactly the three entries changed since the watermark; the mid-sweep one again.
    assert (second["updated"], second["unchanged"], second["created"]) == (2, 1, 0)
    assert second["watermark"] == str(dc.usn)
    assert person(dc, small_org.staff[7]).title == "Senior Staff Nurse"

    third = sync(dc_app)
    assert third["mode"] == "incremental"
    assert (third["updated"], third["unchanged"], third["created"]) == (0, 0, 0)


def test_another_dc_or_a_restored_one_means_a_full_sync(dc_app: Flask, dc: Slapd,
                                                       small_org: Org) -> None:
    sync(dc_app)
    dc.restart(dc_name="DC2")  # failover: another DC's counter counts something else
    other = sync(dc_app)
    assert other["mode"] == "full"
    assert "per server" in other["reason"] and "CN=DC2," in other["reason"]
    assert saved().server.startswith("CN=NTDS Settings,CN=DC2,")
    assert sync(dc_app)["mode"] == "incremental"

    dc.restart(highest_usn=dc.usn - 10)  # DC2 restored from a backup: its counter went back
    restored = sync(dc_app)
    assert restored["mode"] == "full"
    assert "lower than the saved one" in restored["reason"]
    assert restored["watermark"] == str(dc.usn - 10)
    assert (restored["created"], restored["deactivated"]) == (0, 0)
