"""Every response carries the security headers; pages with a link or a session are never
cached; HSTS and Secure cookies when the service is served over HTTPS."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import launched_cycle

WEB_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "web"
EVERY_RESPONSE = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
CSP_DIRECTIVES = {"default-src 'self'", "object-src 'none'", "base-uri 'none'",
                  "frame-ancestors 'none'", "form-action 'self'"}


def _responses(client: FlaskClient) -> dict[str, Any]:
    _, tokens, _ = launched_cycle()
    link = f"/r/{next(iter(tokens.values()))}"
    return {
        "rating page": client.get(link),
        "error page": client.post(link, data={"action": "save"},  # another site's post: 403
                                  headers={"Sec-Fetch-Site": "cross-site"}),
        "link problem": client.get("/r/" + "A" * 43),
        "404": client.get("/no/such/page"),
        "static file": client.get("/static/app.css"),
    }


def test_every_kind_of_response_carries_the_headers(client: FlaskClient) -> None:
    responses = _responses(client)
    assert [r.status_code for r in responses.values()] == [200, 403, 404, 404, 200]
    for kind, response in responses.items():
        for name, value in EVERY_RESPONSE.items():
            assert response.headers.get(name) == value, (kind, name)
        policy = response.headers.get("Content-Security-Policy", "")
        assert {d.strip() for d in policy.split(";")} == CSP_DIRECTIVES, kind
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "Strict-Transport-Security" not in response.headers, kind  # plain http here


def test_pages_are_never_stored_but_static_files_may_be(client: FlaskClient) -> None:
    for kind, response in _responses(client).items():
        stored = "no-store" in response.headers.get("Cache-Control", "")
        assert stored == (kind != "static file"), kind


@pytest.mark.parametrize("base_url", ["https://feedback.test", "http://feedback.test"])
def test_hsts_and_secure_cookies_follow_the_base_url(make_app: Any, base_url: str) -> None:
    app = make_app(BASE_URL=base_url)
    page = app.test_client().get("/sign-in")
    assert page.status_code == 200
    [cookie] = page.headers.getlist("Set-Cookie")  # the session holds the form's CSRF token
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}
    assert "httponly" in flags and flags["samesite"] == "SameSite=Lax"
    https = base_url.startswith("https")
    assert ("secure" in flags) == https
    assert (page.headers.get("Strict-Transport-Security") == "max-age=31536000") == https


def test_hsts_when_the_request_came_over_https(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://feedback.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize("template", sorted(p.name for p in WEB_TEMPLATES.glob("*.html")))
def test_templates_need_no_inline_style_or_script(template: str) -> None:
    """The policy forbids inline style and script: they would be dropped without a sound."""
    html = (WEB_TEMPLATES / template).read_text()
    assert not re.search(r"\sstyle\s*=|<style|\son[a-z]+\s*=|javascript:", html, re.I)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html, re.I)
