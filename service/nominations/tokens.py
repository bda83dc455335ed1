"""Personal-link tokens: 256 random bits, shown once, kept only as a SHA-256 hash.

A fast hash is right here: the token has far too much entropy for guessing a preimage, and lookups
must be a single indexed equality match."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def looks_like_token(token: str) -> bool:
    """Reject malformed or tampered links before they reach the database."""
    return bool(_TOKEN_SHAPE.match(token))
