"""Seal secrets (personal links) that must sit in the database for a while, with Fernet.

The key is derived from SECRET_KEY, so a database dump alone reveals no link. Changing
SECRET_KEY makes sealed values unreadable: relay the outbox before rotating it."""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

__all__ = ["InvalidToken", "seal", "unseal"]


@functools.lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"outbox:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(text: str) -> str:
    return _fernet(current_app.config["SECRET_KEY"]).encrypt(text.encode()).decode()


def unseal(sealed: str) -> str:
    """Raises InvalidToken when SECRET_KEY changed since sealing."""
    return _fernet(current_app.config["SECRET_KEY"]).decrypt(sealed.encode()).decode()
