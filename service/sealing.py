"""Seal secrets (personal links) that must sit in the database for a while.

AES-256-GCM from `cryptography`, with a random 96-bit nonce per value and a key derived from
SECRET_KEY, so a database dump alone reveals no link. A launch seals one link per invitation
(a hundred thousand for a national cycle), and AES-GCM does that about four times faster than
the Fernet recipe used before; values Fernet sealed are still read. Changing SECRET_KEY makes
sealed values unreadable: relay the outbox before rotating it."""

from __future__ import annotations

import base64
import functools
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

__all__ = ["InvalidToken", "seal", "unseal"]

PREFIX = "v2:"  # AES-GCM; anything else is an older Fernet token
NONCE_BYTES = 12


@functools.lru_cache(maxsize=4)
def _aead(secret_key: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"outbox-aes-gcm:" + secret_key.encode()).digest())


@functools.lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"outbox:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(text: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(current_app.config["SECRET_KEY"]).encrypt(nonce, text.encode(), None)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(sealed: str) -> str:
    """Raises InvalidToken when SECRET_KEY changed since sealing (or the value was altered)."""
    secret_key = current_app.config["SECRET_KEY"]
    if not sealed.startswith(PREFIX):
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    try:
        raw = base64.urlsafe_b64decode(sealed[len(PREFIX):])
        return _aead(secret_key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
    except (InvalidTag, ValueError):
        raise InvalidToken from None
