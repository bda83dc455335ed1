"""The rater's pages, the public pages, the language switch, assets and staff sign-in."""

from __future__ import annotations

from tests.web.matrix import SIGNED_IN, Route, admin_only, everyone, signed_in

ROUTES = [
    Route("web.index", "GET", lambda w: "/", everyone(200)),
    Route("web.health", "GET", lambda w: "/healthz", everyone(200)),
    Route("web.ready", "GET", lambda w: "/readyz", everyone(200)),
    Route("i18n.switch", "GET", lambda w: "/language/cy?next=/", everyone(303)),
    Route("static", "GET", lambda w: "/static/app.css", everyone(200)),
    Route("assets.asset", "GET", lambda w: "/assets/nhsuk-frontend.min.js", everyone(200)),
    Route("assets.stylesheet", "GET", lambda w: "/assets/nhsuk-frontend.min.css", everyone(200)),
    # No logo is configured in the matrix's app: nothing to serve, for anyone.
    Route("assets.logo", "GET", lambda w: "/branding/logo", everyone(404)),
    # The personal link is the credential: whoever holds it gets the form, signed in or not.
    Route("rating.show", "GET", lambda w: f"/r/{w.token}", everyone(200)),
    Route("rating.confirm_decline", "GET", lambda w: f"/r/{w.token}/decline", everyone(200)),
    # Saving nothing is not an error: the form comes back to the same link.
    Route("rating.answer", "POST", lambda w: f"/r/{w.token}", everyone(302),
          data=lambda w: {"action": "save"}),
    Route("rating.done", "GET", lambda w: "/done/submitted", everyone(200)),
    Route("staff.sign_in", "GET", lambda w: "/sign-in",
          everyone(200, **{role: 302 for role in SIGNED_IN})),
    # An address with no account: the same refusal (a 400 form) whoever asks.
    Route("staff.sign_in_post", "POST", lambda w: "/sign-in", everyone(400),
          data=lambda w: {"email": f"nobody-{w.extra['asking']}@example.org",
                          "password": "not the password"}),
    Route("staff.sign_out", "POST", lambda w: "/sign-out", everyone(302)),
    Route("staff.home", "GET", lambda w: "/staff", signed_in()),
    Route("staff.accounts", "GET", lambda w: "/staff/accounts", admin_only()),
    Route("staff.accounts_post", "POST", lambda w: "/staff/accounts", admin_only(302),
          data=lambda w: {"email": w.emails["manager"], "role": "hr", "action": "grant"}),
    # OpenID Connect is off in the matrix's app: its routes do not exist for anyone.
    Route("staff.oidc_start", "POST", lambda w: "/sign-in/oidc", everyone(404)),
    Route("staff.oidc_callback", "GET", lambda w: "/sign-in/oidc/callback", everyone(404)),
]
