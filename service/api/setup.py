"""The API's flask-smorest object, its URL converter for ids, and its blueprints.

flask-smorest's own error handler is not registered: it would answer every HTTP error of the
whole app (the pages' too) in JSON. The app's handlers send errors under /api to
service/api/errors.py instead, and pages keep their pages."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.routing import IntegerConverter

from service.api.errors import ErrorSchema

#: Ids are 32-bit integers in the database: a larger one (10**30) is a 404 from the router,
#: never an overflow in the driver.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


class FeedbackApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Left to the app (see the module's docstring)."""


API_SETTINGS = {
    "API_TITLE": "feedback360",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "360-degree feedback: people, rubrics and cycles for HR's own "
                               "tools and appraisal systems. Send a key as `Authorization: "
                               "Bearer <key>`; see docs/integration.md."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    },
}


def init_api(app: Flask) -> FeedbackApi:
    from service.api import audit, cycles, docs, people, reports, rubrics
    from service.api.calls import ApiThrottle
    from service.extensions import csrf

    for name, value in API_SETTINGS.items():
        app.config.setdefault(name, value)
    app.url_map.converters["id"] = IdConverter
    app.extensions["api_throttle"] = ApiThrottle(app.config["RATELIMIT_STORAGE_URI"],
                                                 app.config["API_RATE_LIMIT"])
    api = FeedbackApi(app)
    api.register_converter(IdConverter, lambda _converter: {
        "type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_ID})
    for blp in (people.blp, rubrics.blp, cycles.blp, reports.blp, audit.blp):
        csrf.exempt(blp)  # bearer keys, no cookies: nothing for a forged form to ride on
        api.register_blueprint(blp)
    app.register_blueprint(docs.bp)
    csrf.exempt(docs.bp)
    return api
