"""Staff sign-in (local accounts, directory bind, OpenID Connect), sessions and granted roles."""
