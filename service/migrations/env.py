"""Alembic environment: runs on the connection the CLI hands over, so one engine serves both."""

from alembic import context

from service.db import db

config = context.config
connection = config.attributes.get("connection")
target_metadata = db.metadata


def run() -> None:
    if connection is None:
        raise RuntimeError("run migrations through `feedback360 db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
