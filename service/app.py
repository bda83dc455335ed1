"""Application factory: configuration, database, blueprints, error pages and CLI commands."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from service.config import load_config
from service.db import db
from service.db_limits import GRACE, database_unavailable, engine_options, guard_answers, timeouts
from service.errors import DomainError
from service.extensions import csrf
from service.i18n import init_i18n
from service.responses.throttle import LinkThrottle
from service.web.cookie_session import CookieSession


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(Path(settings["TEMPLATES_DIR"]) / "web"),
        static_folder=str(Path(settings["TEMPLATES_DIR"]) / "web" / "static"),
    )
    _configure_templates(app)
    app.config.update(settings)
    app.session_interface = CookieSession()
    if not settings.get("COMMAND_LINE"):
        from service.web.assets import require_assets

        require_assets(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(settings)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a long form must not expire mid-way
    if settings["PROXY_COUNT"]:  # behind a reverse proxy: the client address is in X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = settings["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]

    if settings["ADMISSION_LIMIT"]:  # outermost: a shed request costs no other work
        from service.web.admission import Admission

        app.wsgi_app = Admission(  # type: ignore[method-assign]
            app, app.wsgi_app, settings["ADMISSION_LIMIT"], settings["ADMISSION_QUEUE"],
            settings["ADMISSION_WAIT"])

    db.init_app(app)
    _guard_database(app)
    _configure_security(app)  # first: its before-request hook runs before the extensions'
    init_i18n(app)
    csrf.init_app(app)
    app.extensions["link_throttle"] = LinkThrottle(settings["RATELIMIT_STORAGE_URI"],
                                                   settings["TOKEN_FAILURE_LIMIT"])
    _register_models()
    _configure_staff(app)
    _configure_outbox(app)
    _register_blueprints(app)
    _configure_api(app)
    _register_errors(app)
    _register_cli(app)
    _register_tasks(app)
    return app


def _configure_templates(app: Flask) -> None:
    """The web templates, then nhsuk-frontend-jinja's components (`nhsuk/components/...`), as
    that package's README sets them up: autoescaped .jinja files too (its macros' output is
    put into our pages), and ChainableUndefined for the components' optional parameters.
    Pages need the design system's files: a web process refuses to start without them; a
    command checks before it serves (the demo)."""
    from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader

    app.jinja_options = {
        **app.jinja_options,
        "undefined": ChainableUndefined,
        "autoescape": True,
        "trim_blocks": True,  # as the components are written (nhsuk-frontend's Nunjucks settings)
        "lstrip_blocks": True,
        "loader": ChoiceLoader([app.create_global_jinja_loader(),
                                PackageLoader("nhsuk_frontend_jinja")]),
    }


def _configure_security(app: Flask) -> None:
    from service.web.security import add_security_headers, limit_request_bodies

    limit_request_bodies(app)
    add_security_headers(app)
def _configure_staff(app: Flask) -> None:
    """Staff sessions (Flask-Login) and the sign-in throttle, in the link throttle's storage."""
    from service.staff.sessions import configure
    from service.staff.throttle import SignInThrottle

    app.extensions["signin_throttle"] = SignInThrottle(
        app.config["RATELIMIT_STORAGE_URI"], app.config["SIGNIN_ACCOUNT_LIMIT"],
        app.config["SIGNIN_ADDRESS_LIMIT"], app.config["SECRET_KEY"])
    configure(app)


def _guard_database(app: Flask) -> None:
    """In web processes, a PostgreSQL server that cannot answer at all is given up on shortly
    after the statement timeout it would have enforced itself (service/db_limits.py). Not in
    commands and the worker: its watchdog thread would stop a worker process from rendering each
    report in a forked child (only a single-threaded process forks), and no rater waits there."""
    if app.config.get("COMMAND_LINE"):
        return
    statement, _ = timeouts(app.config)
    with app.app_context():
        guard_answers(db.engine, statement + GRACE if statement else 0)


def _register_tasks(app: Flask) -> None:
    """The queue is opened lazily by huey's storage; building it here only configures it."""
    from service.tasks.jobs import register
    from service.tasks.queue import make_huey

    huey = make_huey(app.config["TASK_QUEUE_URL"], app.config["INSTANCE_PATH"])
    app.extensions["huey"] = huey
    app.extensions["tasks"] = register(app, huey)


def _configure_outbox(app: Flask) -> None:
    """The message kinds the relay must know about, from the domains that write them."""
    from service.nominations.invitations import message_kinds

    app.extensions["outbox_kinds"] = {**message_kinds()}


def _register_models() -> None:
    """Import every model so the metadata (and Alembic) sees all tables."""
    import service.api.models
    import service.audit.models
    import service.cycles.models
    import service.directory.models
    import service.evidence.models
    import service.facilitation.models
    import service.nominations.models
    import service.outbox.models
    import service.people.models
    import service.plans.models
    import service.reports.models
    import service.responses.models
    import service.sharing.models
    import service.staff.models
    import service.webhooks.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from service.audit.views import bp as audit_bp
    from service.cycles.running_views import bp as running_bp
    from service.cycles.views import bp as console_bp
    from service.evidence.views import bp as evidence_bp
    from service.facilitation.views import bp as facilitation_bp
    from service.leaders.views import bp as leaders_bp
    from service.nominations.views import bp as nominating_bp
    from service.people.views import bp as people_bp
    from service.plans.views import bp as plans_bp
    from service.responses.asked import bp as asked_bp
    from service.responses.views import bp as rating_bp
    from service.sharing.views import bp as shared_bp
    from service.staff.views import bp as staff_bp
    from service.web.assets import bp as assets_bp
    from service.web.views import bp as web_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(rating_bp)
    app.register_blueprint(asked_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(running_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(facilitation_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(nominating_bp)
    app.register_blueprint(leaders_bp)
    app.register_blueprint(shared_bp)
    app.register_blueprint(evidence_bp)
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions


def _configure_api(app: Flask) -> None:
    from service.api.setup import init_api
    from service.api.views import bp as api_keys_bp
    from service.webhooks.views import bp as webhooks_bp

    init_api(app)
    app.register_blueprint(api_keys_bp)
    app.register_blueprint(webhooks_bp)  # beside the API keys, with the API's `id` converter


def _register_errors(app: Flask) -> None:
    """Errors are pages in the person's language, never a traceback or werkzeug's English;
    under /api they are JSON (service/api/errors.py)."""
    from service.api import errors as api_errors
    from service.web.errors import http_error_page

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        if api_errors.is_api_request():
            return api_errors.http_error(error)
        return render_template(
            "error.html", title=gettext("This form has expired"),
            message=gettext("Please go back, reload the page and try again. Nothing you saved "
                            "earlier has been lost.")), 400

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Any:
        if api_errors.is_api_request():
            return api_errors.error_response(error.status_code, message=str(error))
        return render_template("error.html", title=gettext("Sorry, that did not work"),
                               message=str(error)), error.status_code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if api_errors.is_api_request():
            return api_errors.http_error(error)
        return http_error_page(error)

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_error(error: sa_exc.SQLAlchemyError) -> Response:
        """Down, hung or locked past the limits: 503, nothing lost, try again in a minute.
        Anything else from the database is a bug and stays a 500."""
        from service.web.unavailable import outage_page

        if not database_unavailable(error):
            raise error
        cause = getattr(error, "orig", None) or error
        app.logger.warning("database unavailable (%s); answered 503", type(cause).__name__)
        if api_errors.is_api_request():
            return api_errors.error_response(503, headers={"Retry-After": "60"})
        return outage_page()


def _register_cli(app: Flask) -> None:
    from service.api.cli import apikey_cli
    from service.audit.cli import audit_cli
    from service.cycles.cli import cycle_cli
    from service.demo.cli import demo_command
    from service.directory.cli import directory_cli
    from service.migrations.cli import db_cli
    from service.nominations.cli import invitation_cli, nominations_cli
    from service.outbox.cli import outbox_cli
    from service.people.cli import people_cli
    from service.reports.cli import report_cli
    from service.rubrics.cli import rubric_cli
    from service.sharing.cli import export_cli
    from service.staff.cli import user_cli
    from service.tasks.cli import worker_command
    from service.webhooks.cli import webhook_cli

    for command in (db_cli, rubric_cli, people_cli, directory_cli, cycle_cli, outbox_cli,
                    invitation_cli, nominations_cli, report_cli, audit_cli, user_cli,
                    apikey_cli, export_cli, webhook_cli, worker_command,
                    demo_command):
        app.cli.add_command(command)
