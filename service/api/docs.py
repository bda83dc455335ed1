"""The API's documentation page: Swagger UI (swagger-ui-dist from npm, pinned in
package-lock.json, installed by `make install`) served by the app itself from
/api/v1/docs, reading /api/v1/openapi.json. No CDN, and no inline script: the page's own
script (templates/web/static/api-docs.js) starts Swagger UI, so the CSP stays 'self'."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, render_template, send_from_directory
from werkzeug.wrappers import Response

from service.config import SOURCE_ROOT

DEFAULT_DIR = SOURCE_ROOT / "node_modules" / "swagger-ui-dist"
FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")
ASSET_AGE = 24 * 3600

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1/docs")


def swagger_dir(app: Flask) -> Path:
    return Path(app.config.get("SWAGGER_UI_DIR") or DEFAULT_DIR)


@bp.get("")
def page() -> str:
    if not (swagger_dir(current_app) / FILES[1]).is_file():
        return render_template("api_docs_missing.html"), 503  # type: ignore[return-value]
    return render_template("api_docs.html")


@bp.get("/assets/<string:filename>")
def asset(filename: str) -> Response:
    if filename not in FILES:
        abort(404)
    return send_from_directory(swagger_dir(current_app), filename, max_age=ASSET_AGE)
