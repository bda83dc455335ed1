"""Application factory: configuration, database, blueprints, error pages and CLI commands."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from service.config import load_config
from service.db import ENGINE_OPTIONS, db, private_file, sqlite_path
from service.errors import DomainError
from service.extensions import csrf, limiter


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(Path(settings["TEMPLATES_DIR"]) / "web"),
        static_folder=str(Path(settings["TEMPLATES_DIR"]) / "web" / "static"),
    )
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    # No pool_pre_ping: a round trip per checkout; see service/db.py _drop_closed_connections.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(ENGINE_OPTIONS)
    app.config["RATELIMIT_STORAGE_URI"] = settings["RATELIMIT_STORAGE_URI"]
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a long form must not expire mid-way
    app.config.setdefault("MAX_CONTENT_LENGTH", 1024 * 1024)  # a full form is a few kB
    if settings["PROXY_COUNT"]:  # behind a reverse proxy: the client address is in X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = settings["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]

    database_file = sqlite_path(settings["DATABASE_URL"])
    if database_file is not None:  # created 0600 before SQLite makes it (its WAL inherits)
        private_file(database_file)
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _register_models()
    _register_blueprints(app)
    _register_errors(app)
    _register_cli(app)
    _register_tasks(app)
    return app


def _register_tasks(app: Flask) -> None:
    """The queue is opened lazily by huey's storage; building it here only configures it."""
    from service.tasks.jobs import register
    from service.tasks.queue import make_huey

    huey = make_huey(app.config["TASK_QUEUE_URL"], app.config["INSTANCE_PATH"])
    app.extensions["huey"] = huey
    app.extensions["tasks"] = register(app, huey)


def _register_models() -> None:
    """Import every model so the metadata (and Alembic) sees all tables."""
    import service.cycles.models
    import service.directory.models
    import service.nominations.models
    import service.outbox.models
    import service.people.models
    import service.reports.models
    import service.responses.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from service.responses.views import bp as rating_bp
    from service.web.views import bp as web_bp

    app.register_blueprint(web_bp)
    app.register_blueprint(rating_bp)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template("error.html", title="This form has expired",
                               message="Please go back, reload the page and try again. "
                                       "Nothing you saved earlier has been lost."), 400

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[str, int]:
        return render_template("error.html", title="That did not work",
                               message=str(error)), error.status_code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", title=error.name,
                               message=error.description), error.code or 500


def _register_cli(app: Flask) -> None:
    from service.cycles.cli import cycle_cli
    from service.demo.cli import demo_command
    from service.directory.cli import directory_cli
    from service.migrations.cli import db_cli
    from service.nominations.cli import invitation_cli
    from service.outbox.cli import outbox_cli
    from service.people.cli import people_cli
    from service.reports.cli import report_cli
    from service.rubrics.cli import rubric_cli
    from service.tasks.cli import worker_command

    for command in (db_cli, rubric_cli, people_cli, directory_cli, cycle_cli, outbox_cli,
                    invitation_cli, report_cli, worker_command, demo_command):
        app.cli.add_command(command)
