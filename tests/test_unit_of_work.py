"""The unit of work: what a change registers for after its commit runs once, after a successful
commit, and never after a rollback (service/db.py)."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from service.cli_support import transactional
from service.db import after_commit, db
from service.errors import DomainError
from service.people.models import Person


def _person(key: str) -> Person:
    person = Person(directory_id=key, email=f"{key}@test.example", given_name="A",
                    family_name="B", display_name="A B")
    db.session.add(person)
    db.session.flush()
    return person


def test_runs_once_after_the_commit_and_sees_it_committed(app: Any) -> None:
    seen: list[int] = []
    person = _person("one")

    def count_committed() -> None:  # on its own connection: only committed rows are visible
        with db.engine.connect() as connection:
            seen.append(connection.execute(db.select(db.func.count(Person.id))).scalar())

    after_commit(count_committed)
    assert seen == []
    db.session.commit()
    assert seen == [1]
    db.session.commit()  # a later commit does not run it again
    assert seen == [1] and person.id


def test_dropped_on_rollback_and_never_run_later(app: Any) -> None:
    ran: list[str] = []
    _person("two")
    after_commit(lambda: ran.append("x"))
    db.session.rollback()
    _person("three")
    db.session.commit()
    assert ran == []


def test_a_key_registers_once_and_a_failing_step_spoils_nothing(app: Any, caplog: Any) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("queue down")

    _person("four")
    after_commit(lambda: ran.append("first"), key="wake")
    after_commit(lambda: ran.append("second"), key="wake")
    after_commit(broken)
    after_commit(lambda: ran.append("after the broken one"))
    db.session.commit()
    assert ran == ["second", "after the broken one"]
    assert "after-commit step broken failed: RuntimeError" in caplog.text
    assert db.session.scalar(db.select(db.func.count(Person.id))) == 1


def test_a_failing_command_runs_nothing_it_registered(app: Any, runner: Any) -> None:
    ran: list[str] = []

    @click.command("fails")
    @with_appcontext
    @transactional
    def fails() -> None:
        _person("five")
        after_commit(lambda: ran.append("x"))
        raise DomainError("refused, as a command may be")

    result = runner.invoke(fails)
    assert result.exit_code == 1 and "refused" in result.output
    db.session.commit()
    assert ran == [] and db.session.scalar(db.select(db.func.count(Person.id))) == 0


def test_a_session_closed_without_commit_forgets_its_registrations(app: Any) -> None:
    ran: list[str] = []
    _person("six")
    after_commit(lambda: ran.append("x"))
    db.session.close()
    _person("seven")
    db.session.commit()
    assert ran == []
