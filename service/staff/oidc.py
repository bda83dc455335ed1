"""Sign-in with OpenID Connect (Microsoft Entra ID and others), through Authlib's Flask client.

Off unless OIDC_CLIENT_ID and OIDC_METADATA_URL are set. The service sends the person to the
provider with a fresh `state` and `nonce` (kept in the session by Authlib); on the way back it
exchanges the code for tokens, and Authlib checks the ID token: signature against the provider's
published keys (JWKS), issuer, audience (our client id), expiry and nonce. The email address in
the claim OIDC_EMAIL_CLAIM must then be an active Person's; nothing is ever created from a
token. A token that says `email_verified: false` is refused."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError
from requests import RequestException

from service.people.models import Person
from service.staff.operations import person_by_email

NAME = "oidc"


class OIDCRefused(Exception):
    """The provider's answer did not name a person of this service (message for the page)."""


def enabled(config: Any) -> bool:
    return bool(config.get("OIDC_CLIENT_ID") and config.get("OIDC_METADATA_URL"))


def configure(app: Flask) -> None:
    if not enabled(app.config):
        return
    oauth = OAuth(app)  # one registry per app: it caches the provider's metadata and keys
    oauth.register(
        NAME, client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"] or None,
        server_metadata_url=app.config["OIDC_METADATA_URL"],
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "timeout": 10})
    app.extensions["staff_oidc"] = oauth


def client() -> Any:
    return current_app.extensions["staff_oidc"].create_client(NAME)


def callback_url() -> str:
    """Where the provider sends people back: from BASE_URL (registered with the provider), not
    from whatever Host header this request came with."""
    return f"{current_app.config['BASE_URL']}/sign-in/oidc/callback"


def form_action_origins() -> list[str]:
    """Where the provider button's POST is sent on to, for the sign-in page's
    Content-Security-Policy (form-action covers the redirects that answer a form, so with
    'self' alone the browser stops at the redirect to the provider). The discovery document's
    origin, which is the authorization endpoint's with Entra ID, Google, Okta, Keycloak and
    ADFS; and the authorization endpoint's own once Authlib has read the document (the first
    start), for a provider that keeps them apart."""
    urls = [current_app.config["OIDC_METADATA_URL"]]
    urls.append(client().server_metadata.get("authorization_endpoint") or "")
    origins = set()
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("https", "http") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def start() -> Any:
    return client().authorize_redirect(callback_url())


#: What can go wrong on the way back: the provider's error, a state that does not match, a
#: token whose signature, issuer, audience, expiry or nonce is wrong, a provider that cannot
#: be reached.
FAILURES = (OAuthError, JoseError, RequestException, ValueError, KeyError)


def finish() -> Person:
    """The Person the provider vouches for. Raises one of FAILURES, or OIDCRefused."""
    token = client().authorize_access_token()
    claims = token.get("userinfo")
    if not claims:
        raise OAuthError(description="the provider sent no ID token")
    if claims.get("email_verified") is False:
        raise OIDCRefused("unverified")
    email = claims.get(current_app.config["OIDC_EMAIL_CLAIM"])
    person = person_by_email(email) if isinstance(email, str) else None
    if person is None:
        raise OIDCRefused("unknown")
    return person
