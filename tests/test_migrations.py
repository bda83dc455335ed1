"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import datetime as dt
import json

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from service.db import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def _fresh_database(base_url: str, tmp_path) -> str:
    """An empty database of its own, beside the tests' one: a SQLite file, or a PostgreSQL
    database created (again) for this test."""
    from sqlalchemy import create_engine, make_url

    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'upgraded.sqlite'}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("DROP DATABASE IF EXISTS feedback360_upgrade_test")
        connection.exec_driver_sql("CREATE DATABASE feedback360_upgrade_test")
    admin.dispose()
    return url.set(database="feedback360_upgrade_test").render_as_string(hide_password=False)


def test_upgrade_keeps_the_previous_versions_data(make_app, database_url, tmp_path):
    """A database at 0004 with a cycle, an answered and a drafted invitation and a response
    upgrades to head: the response and the invitations stay, the plain-JSON draft is dropped
    (it could not be sealed without the rater's link), the response loses its date."""
    from sqlalchemy import text

    from service.migrations.cli import upgrade

    app = make_app(DATABASE_URL=_fresh_database(database_url, tmp_path))
    with app.app_context():
        upgrade("0004")
        statements = [
            "INSERT INTO people (id, directory_id, email, given_name, family_name, display_name,"
            " title, department, language, active, created_at, updated_at, source) VALUES"
            " (1, 'p1', 'p1@test.example', 'A', 'B', 'A B', '', '', 'en', true, :now, :now,"
            " 'import'), (2, 'p2', 'p2@test.example', 'C', 'D', 'C D', '', '', 'en', true,"
            " :now, :now, 'import')",
            "INSERT INTO cycles (id, name, rubric_id, opens_on, closes_on, state,"
            " min_group_size, manager_min, language, created_at, reminder_days,"
            " reminders_done, auto_launch, facilitated_release) VALUES (1, 'Old', 'r',"
            " :today, :today, 'open', 3, 1, 'en', :now, '[]', '[]', false, false)",
            "INSERT INTO subjects (id, cycle_id, person_id) VALUES (1, 1, 1)",
            "INSERT INTO nominations (id, subject_id, person_id, \"group\", created_at) VALUES"
            " (1, 1, 1, 'self', :now), (2, 1, 2, 'peer', :now)",
            "INSERT INTO invitations (id, nomination_id, token_hash, status, draft, created_at)"
            " VALUES (1, 1, 'a', 'submitted', NULL, :now),"
            " (2, 2, 'b', 'pending', '{\"answers\": {\"x\": 3}}', :now)",
            "INSERT INTO responses (id, cycle_id, subject_id, rater_group, answers, comments,"
            " submitted_on) VALUES ('0123456789abcdef0123456789abcdef', 1, 1, 'self',"
            " '{\"x\": 4}', '{}', :today)",
        ]
        now, today = dt.datetime(2026, 1, 1), dt.date(2026, 1, 1)
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), {"now": now, "today": today})
        upgrade()
        with db.engine.connect() as connection:
            invitations = connection.execute(text(
                "SELECT id, status, draft FROM invitations ORDER BY id")).all()
            answers = connection.execute(text("SELECT answers FROM responses")).scalars().all()
            # 0009: the old cycle keeps its leader and takes the settings' defaults.
            cycle = connection.execute(text(
                "SELECT c.name, c.nominated_by, c.auto_close, count(s.id) FROM cycles c"
                " JOIN subjects s ON s.cycle_id = c.id GROUP BY c.id")).one()
            # 0008: staff tables exist, empty.
            staff = connection.execute(text("SELECT count(*) FROM staff_accounts")).scalar()
            # 0010: no session generations yet (every person starts at the first).
            generations = connection.execute(text(
                "SELECT count(*) FROM staff_session_generations")).scalar()
            people = connection.execute(text("SELECT count(*) FROM people")).scalar()
            # 0011-0018: shares, leaders' lists, sessions, plans, API keys, the integration's
            # consents, webhooks, cycles' own rater groups and evidence packs start empty.
            added = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                     for table in ("report_shares", "nomination_lists", "feedback_sessions",
                                   "action_plans", "api_keys", "api_idempotency",
                                   "integration_consents", "webhook_endpoints",
                                   "webhook_deliveries", "cycle_groups", "evidence_packs")}
            # 0017: the old cycle keeps one k for every anonymous group, and its nominations
            # and responses stay in the built-in groups.
            group_k = connection.execute(text(
                "SELECT peer_min, direct_report_min, other_min FROM cycles")).one()
            custom = connection.execute(text(
                "SELECT count(*) FROM nominations WHERE custom_group_id IS NOT NULL")).scalar()
        assert [(i, s, d) for i, s, d in invitations] == [(1, "submitted", None),
                                                          (2, "pending", None)]
        assert [a if isinstance(a, dict) else json.loads(a) for a in answers] == [{"x": 4}]
        assert (cycle[0], cycle[1], bool(cycle[2]), cycle[3]) == ("Old", "hr", True, 1)
        assert staff == 0
        assert (generations, people) == (0, 2)
        assert set(added.values()) == {0}, added
        assert tuple(group_k) == (None, None, None) and custom == 0
        db.session.remove()
        db.engine.dispose()
