"""Flask's signed-cookie session, made free for the requests that have none.

Flask builds an HMAC signer for every request to open the session, cookie or not. Most
requests to this service carry no session cookie (a rater's pages use none:
service/responses/views.py), so they get an empty session without it; a request with a
cookie is opened and checked exactly as Flask does."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSession(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)
