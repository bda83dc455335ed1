"""Derived roles and who may open a report: each rule, and each refusal."""

from __future__ import annotations

import pytest

from service.access.reports import may_open_report
from service.access.roles import (
    ROLE_SOURCES,
    Role,
    is_facilitator_for,
    is_leader_in,
    is_manager_of,
    roles_of,
)
from service.cycles.leaders import assign_facilitator
from service.db import db
from service.reports.models import Report, ReportStatus
from tests.factories import draft_cycle, person, team


@pytest.fixture
def setting(app):
    people = team(size_reports=1, size_peers=1)
    cycle = draft_cycle(people, facilitated_release=True)
    subject = cycle.subjects[0]
    fay = person("fay", "Fay Facilitator")
    assign_facilitator(subject, fay)
    other = person("other", "Olive Other")
    db.session.commit()
    return {**people, "cycle": cycle, "subject": subject, "fay": fay, "other": other}


def test_roles_follow_from_the_data(setting):
    s = setting
    leader, boss, fay, other = s["leader"], s["boss"], s["fay"], s["other"]
    assert is_leader_in(leader, s["cycle"]) and not is_leader_in(boss, s["cycle"])
    assert is_manager_of(boss, leader) and not is_manager_of(other, leader)
    assert not is_manager_of(leader, boss)
    boss.active = False  # a manager who left manages nobody
    assert not is_manager_of(boss, leader)
    boss.active = True
    assert is_facilitator_for(fay, s["subject"]) and not is_facilitator_for(other, s["subject"])
    assert roles_of(leader) == {Role.LEADER, Role.MANAGER}  # the leader has a direct report
    assert roles_of(boss) == {Role.MANAGER}
    assert roles_of(fay) == {Role.FACILITATOR}
    assert roles_of(other) == frozenset()
    assert roles_of(s["reports"][0]) == frozenset()
    # the extension point: every role has a source, a later one adds its own
    assert set(ROLE_SOURCES) == set(Role)


def _report(subject, status: ReportStatus) -> Report:
    report = Report(subject_id=subject.id, version=1, status=status, response_ids=[])
    db.session.add(report)
    db.session.flush()
    return report


@pytest.mark.parametrize("status", list(ReportStatus))
def test_who_may_open_a_report_at_each_step(setting, status):
    s = setting
    report = _report(s["subject"], status)
    leader, fay, boss, other = s["leader"], s["fay"], s["boss"], s["other"]
    assert may_open_report(leader, report) == (status == ReportStatus.RELEASED)
    assert may_open_report(fay, report) == (
        status in (ReportStatus.WITH_FACILITATOR, ReportStatus.RELEASED))
    for nobody in (boss, other, s["reports"][0], None):  # manager, stranger, rater, anonymous
        assert may_open_report(nobody, report) is False
        assert may_open_report(nobody, report, {"admin"}) is False
    # HR: refused by default, whatever the report's state
    assert may_open_report(other, report, {"hr"}) is False


def test_hr_opens_released_reports_only_where_the_policy_allows(setting, app):
    s = setting
    app.config["HR_CAN_OPEN_REPORTS"] = True
    for status in ReportStatus:
        report = _report(s["subject"], status)
        assert may_open_report(s["other"], report, {"hr"}) == status.seen
        assert may_open_report(s["other"], report, {"admin"}) is False
        db.session.rollback()
    # A leader with the hr role still waits for their own hand-over.
    report = _report(s["subject"], ReportStatus.WITH_FACILITATOR)
    assert may_open_report(s["leader"], report, {"hr"}) is False


def test_a_facilitator_removed_before_release_loses_access(setting):
    s = setting
    report = _report(s["subject"], ReportStatus.READY)
    assign_facilitator(s["subject"], None)
    report.status = ReportStatus.RELEASED
    assert may_open_report(s["fay"], report) is False
    assert may_open_report(s["leader"], report) is True
