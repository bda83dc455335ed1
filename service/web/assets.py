"""The NHS design system's CSS, JavaScript and images (nhsuk-frontend from npm, installed by
`make install`) and the organisation's logo, served by the app itself: no CDN, nothing fetched
at run time, and the Content-Security-Policy can stay 'self'."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_file, send_from_directory
from werkzeug.wrappers import Response

from service.config import SOURCE_ROOT

#: Where `npm ci` puts the files; NHSUK_FRONTEND_DIR overrides it (an installed package has
#: no node_modules of its own).
DEFAULT_DIR = SOURCE_ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
STYLESHEET = "nhsuk-frontend.min.css"
SCRIPT = "nhsuk-frontend.min.js"
ASSET_AGE = 24 * 3600  # versioned by the lock file; a day keeps upgrades visible the next day

bp = Blueprint("assets", __name__)


def frontend_dir(app: Flask) -> Path:
    return Path(app.config.get("NHSUK_FRONTEND_DIR") or DEFAULT_DIR)


def require_assets(app: Flask) -> None:
    """Refuse to serve pages without the design system's files: one line naming the fix."""
    directory = frontend_dir(app)
    if not (directory / STYLESHEET).is_file() or not (directory / SCRIPT).is_file():
        raise RuntimeError(
            f"the NHS design system's files are not in {directory}: run `make install` (it "
            "runs `npm ci`; Node.js is needed), or set NHSUK_FRONTEND_DIR to the dist/nhsuk "
            "folder of nhsuk-frontend")


#: The Frutiger web font is the NHS's licensed font, loaded from assets.nhs.uk; the service
#: fetches nothing from elsewhere (and its CSP would block it), so the stylesheet is served
#: without those @font-face rules and the design system's own fallback (Arial) is used.
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")


@lru_cache(maxsize=4)
def _stylesheet(path: Path, modified: float) -> bytes:
    return FONT_FACE.sub("", path.read_text(encoding="utf-8")).encode()


@bp.get(f"/assets/{STYLESHEET}")
def stylesheet() -> Response:
    path = frontend_dir(current_app) / STYLESHEET
    response = current_app.response_class(_stylesheet(path, path.stat().st_mtime),
                                          mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_AGE
    return response


@bp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    """The stylesheet and script from dist/nhsuk, the images (which the stylesheet asks for
    at /assets/images/...) from dist/nhsuk/assets."""
    directory = frontend_dir(current_app)
    if filename.startswith("images/"):
        directory = directory / "assets"
    return send_from_directory(directory, filename, max_age=ASSET_AGE)


@bp.get("/branding/logo")
def logo() -> Response:
    """The organisation's logo (REPORT_LOGO, checked at start-up to be a .png, .jpg or .svg)."""
    path = current_app.config.get("REPORT_LOGO")
    if not path:
        abort(404)
    return send_file(path, max_age=ASSET_AGE)
