"""A small OpenID Connect provider for the tests, on a loopback port: discovery document, JWKS,
authorization endpoint (authorization code flow, state and nonce passed back) and token
endpoint (client secret checked, codes single-use, ID tokens signed RS256 with a key made for
the run). Whom it vouches for, and what it gets wrong on purpose, the test sets."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "feedback360-test"
CLIENT_SECRET = "client-secret-for-tests"


@dataclass
class Provider:
    redirect_uri: str
    #: the claims of the person who "signs in" at the provider
    user: dict[str, Any] = field(default_factory=dict)
    #: faults for tests: "nonce", "audience", "issuer", "key", "expired"
    fault: str | None = None
    url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(
        2048, parameters={"kid": "test-key", "use": "sig"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: int = 0

    def app(self) -> Flask:
        app = Flask("oidc-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify({
                "issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            })

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify({"keys": [self.key.as_dict(private=False)]})

        @app.get("/authorize")
        def authorize() -> Any:
            args = request.args
            if (args.get("client_id") != CLIENT_ID or args.get("redirect_uri") != self.redirect_uri
                    or args.get("response_type") != "code" or "openid" not in args.get("scope", "")
                    or not args.get("state") or not args.get("nonce")):
                abort(400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": args["nonce"], "redirect_uri": args["redirect_uri"]}
            back = urlencode({"code": code, "state": args["state"]})
            return redirect(f"{args['redirect_uri']}?{back}")

        @app.post("/token")
        def token() -> Any:
            self.token_requests += 1
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify({"error": "invalid_client"}), 401
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None or request.form.get("redirect_uri") != grant["redirect_uri"]:
                return jsonify({"error": "invalid_grant"}), 400
            return jsonify({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                            "expires_in": 300, "id_token": self.id_token(grant["nonce"])})

        return app

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "sub": "subject-1", "aud": CLIENT_ID, "iat": now,
                  "exp": now + 300, "nonce": nonce, **self.user}
        key = self.key
        if self.fault == "nonce":
            claims["nonce"] = "not-the-nonce-we-were-sent"
        elif self.fault == "audience":
            claims["aud"] = "another-client"
        elif self.fault == "issuer":
            claims["iss"] = "https://impostor.example"
        elif self.fault == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        elif self.fault == "key":
            key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)


@contextmanager
def running(redirect_uri: str) -> Iterator[Provider]:
    provider = Provider(redirect_uri)
    server = make_server("127.0.0.1", 0, provider.app(), threaded=True)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join()
