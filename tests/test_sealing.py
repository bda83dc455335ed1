"""Sealed links: AES-GCM now, Fernet values from before still read, tampering refused."""

from __future__ import annotations

import pytest

from service.sealing import InvalidToken, _fernet, seal, unseal


def test_seal_round_trip_with_a_fresh_nonce_each_time(app):
    first, second = seal("the-token"), seal("the-token")
    assert first.startswith("v2:") and first != second
    assert "the-token" not in first
    assert unseal(first) == unseal(second) == "the-token"


def test_values_sealed_with_fernet_before_are_still_read(app):
    old = _fernet(app.config["SECRET_KEY"]).encrypt(b"an-old-token").decode()
    assert unseal(old) == "an-old-token"


def test_a_changed_key_or_an_altered_value_is_refused(app):
    sealed = seal("the-token")
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(InvalidToken):
        unseal(altered)
    app.config["SECRET_KEY"] = "another-key"
    with pytest.raises(InvalidToken):
        unseal(sealed)
