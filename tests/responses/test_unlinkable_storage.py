"""The promise to raters against a copy of the database files, tried as an attacker would.

One cycle runs the way raters and HR use it: drafts saved, answers submitted through the form,
the cycle closed, re-opened, one late answer, closed again, the mail relayed in between. At each
step the test takes what a copy of the database would hold (SQLite: the file and its WAL;
PostgreSQL: every tuple, live or dead, and every raw page) and tries to link a rater to their
answers (tests/responses/attacker.py). It must never do better than chance within the group,
never read a draft or a held answer, and never tell which rater came late."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text

from service.cycles import operations as cycles
from service.db import after_commit, db, erase_residue
from service.migrations.cli import upgrade
from service.nominations.models import Invitation, InvitationStatus
from service.outbox.operations import relay_outbox
from service.reports.operations import report_status
from tests.factories import draft_cycle, team
from tests.responses.attacker import pg_history, pg_pages, sqlite_history
from tests.web.helpers import full_answers, open_form, post_form

POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


class Copy:
    """What someone who copies the database files at one moment gets."""

    def __init__(self, app: Any, commit: bool = True) -> None:
        self.app = app
        if commit:
            db.session.commit()
        if POSTGRES:
            with db.engine.connect() as connection:
                self.history = pg_history(connection)
                self.raw = pg_pages(connection) + _pg_wal()
        else:
            path = Path(make_url(app.config["DATABASE_URL"]).database or "")
            wal = path.with_name(path.name + "-wal")
            database = path.read_bytes()
            self.wal = wal.read_bytes() if wal.exists() else b""
            self.history = sqlite_history(database, self.wal)
            self.raw = database + self.wal


def _copy_on_commit(app: Any, copies: dict[str, Copy], moment: str) -> None:
    def copy() -> None:
        copies[moment] = Copy(app, commit=False)

    after_commit(copy, key="0 copy first")


def _pg_wal() -> bytes:
    """PostgreSQL's own WAL segments, when this machine's server keeps them readable here."""
    with db.engine.connect() as connection:
        folder = Path(connection.execute(text("SHOW data_directory")).scalar()) / "pg_wal"
    segments = sorted(folder.glob("0*")) if os.access(folder, os.R_OK) else []
    return b"".join(segment.read_bytes() for segment in segments[-4:])


@pytest.fixture
def attack_app(make_app: Any, tmp_path: Path) -> Any:
    """A database of its own on SQLite, so the WAL holds this story alone; on PostgreSQL the
    shared one, vacuumed first, with pageinspect."""
    if POSTGRES:
        app = make_app(MAIL_FILE_DIR=str(tmp_path / "mail"))
        with app.app_context():
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
            erase_residue(db.engine)
            yield app
    else:
        app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'attack.sqlite'}",
                       MAIL_FILE_DIR=str(tmp_path / "mail"))
        with app.app_context():
            upgrade()
            yield app


RUN = secrets.token_hex(4)  # markers of this run only (PostgreSQL's WAL keeps earlier runs)


def _answer(client: Any, token: str, rubric: dict[str, Any], marker: str, value: str) -> None:
    url = f"/r/{token}"
    open_form(client, url)
    first = rubric["sections"][0]["items"][0]["id"]
    saved = post_form(client, url, {f"item-{first}": value,
                                    "question-strengths": f"draft {RUN} {marker} words"}, "save")
    assert saved.status_code == 302
    answers = {**full_answers(rubric, value), "question-strengths": f"answer {RUN} {marker} words"}
    assert post_form(client, url, answers, "submit").status_code == 302


def _thanked(app: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"):
        message = message_from_bytes(path.read_bytes())
        if str(message["Subject"]).startswith("Thank you"):
            counts[message["To"]] = counts.get(message["To"], 0) + 1
    return counts


def _linked_better_than_chance(copy: Copy, groups: dict[int, tuple[int, str]],
                               submitted: dict[tuple[int, str], set[int]]) -> list[str]:
    """Responses the attacker narrows to fewer raters than the group that had answered (a
    candidate set that leaves out none of them gives the attacker no more than chance)."""
    problems = []
    subjects = {subject for subject, _ in groups.values()}
    for response, linked in copy.history.candidates(groups).items():
        _, _, row = copy.history.versions["responses"][response][0]
        if row[1] not in subjects:
            continue
        group = submitted[(row[1], row[2])]
        if linked and not group <= linked:
            problems.append(f"response {response} linked to {sorted(linked)} of {sorted(group)}")
    return problems


def test_a_copy_of_the_database_never_links_a_rater_to_their_answers(attack_app: Any) -> None:
    app = attack_app
    client = app.test_client()
    people = team(size_reports=5, size_peers=4)
    cycle = draft_cycle(people)
    tokens = cycles.launch(cycle)
    db.session.commit()
    relay_outbox()  # invitations sent; their rows forget whom they went to
    rubric = cycle.rubric_snapshot
    by_person = {}
    for invitation in db.session.scalars(db.select(Invitation)):
        by_person[invitation.nomination.person.directory_id] = (invitation, tokens[invitation.id])
    groups = {inv.id: (inv.nomination.subject_id, inv.nomination.group.value)
              for inv, _ in by_person.values()}
    on_time = ["leader", "boss", "report0", "report1", "report2", "report3", "peer0", "peer1",
               "peer2"]
    for number, key in enumerate(on_time):
        _answer(client, by_person[key][1], rubric, f"marker-{key}", str(1 + number % 5))
    late, never = "peer3", "report4"
    post_form(client, f"/r/{by_person[late][1]}",
              {"question-strengths": f"draft {RUN} marker-late words"}, "save")
    submitted: dict[tuple[int, str], set[int]] = {}
    for key in on_time:
        invitation = by_person[key][0]
        submitted.setdefault(groups[invitation.id], set()).add(invitation.id)
    copies = {"open": Copy(app)}

    # The close, as `feedback360 cycle close` does it; a copy is taken the moment it commits,
    # before what the close registered to run after its commit (erasing old row versions).
    _copy_on_commit(app, copies, "closed, before the clean-up")
    cycles.close(cycle)
    db.session.commit()
    relay_outbox()
    copies["closed"] = Copy(app)

    cycles.reopen(cycle, dt.date.today() + dt.timedelta(days=3))
    db.session.commit()
    _answer(client, by_person[late][1], rubric, "marker-late", "2")
    copies["re-opened, late answer in"] = Copy(app)
    _copy_on_commit(app, copies, "closed again, before the clean-up")
    cycles.close(cycle)
    db.session.commit()
    relay_outbox()
    copies["closed again"] = Copy(app)

    for moment, copy in copies.items():
        # Drafts and held answers are sealed: no copy ever shows them in clear.
        assert f"draft {RUN}".encode() not in copy.raw, moment
        assert f"answer {RUN} marker-late".encode() not in copy.raw, moment
        if moment == "open":
            assert f"answer {RUN}".encode() not in copy.raw, moment
        else:  # the attacker's search would find answers moved into `responses`
            assert f"answer {RUN} marker-peer0".encode() in copy.raw, moment
        # Replaying the history links no response to fewer raters than its whole group.
        assert _linked_better_than_chance(copy, groups, submitted) == [], moment
        if not POSTGRES:
            assert len(copy.history.sealed_sizes()) <= 1, moment  # one size for all

    final = copies["closed again"]
    if not POSTGRES:  # after a close nothing of the history is left in the WAL
        assert final.wal == b"" and copies["closed"].wal == b""
    else:  # and no dead row version is left for pageinspect
        for table in ("invitations", "held_responses", "responses", "outbox"):
            dead = [key for key, versions in final.history.versions[table].items()
                    for _, ended, _ in versions if ended is not None]
            assert dead == [], table
    # Which peer came late? Every peer who answered looks the same, and nothing names one.
    peers = [by_person[f"peer{i}"][0].id for i in range(4)]
    rows = {key: versions[-1][2][1:] for key, versions in
            final.history.versions["invitations"].items() if key in peers}
    assert set(rows.values()) == {("submitted", False, False)}
    emails = {person.email.encode() for person in people["peers"]}
    named = {row[2] if isinstance(row[2], bytes) else row[2].encode()
             for versions in final.history.versions["outbox"].values()
             for _, _, row in versions}
    assert named and not emails & named  # no message row (sent, skipped) names a peer
    # The late answer waits (fewer than k late peers), and the report says one is held back.
    assert [row["held_back"] for row in report_status(cycle)] == [1]
    # Everyone on time is thanked once; the late peer is thanked by the page, not by a second
    # round of mail that would single them out.
    thanked = _thanked(app)
    assert set(thanked.values()) == {1}
    assert by_person[late][0].nomination.person.email not in thanked
    assert db.session.scalar(db.select(db.func.count(Invitation.id)).where(
        Invitation.status == InvitationStatus.SUBMITTED)) == len(on_time) + 1
    assert db.session.get(Invitation, by_person[never][0].id).status == InvitationStatus.PENDING
