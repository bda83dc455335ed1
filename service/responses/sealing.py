"""Answers at rest before they join the others: drafts and held responses, sealed and padded.

Two kinds of sealed answers sit in rows that a person's transaction wrote:

- a **draft** on the rater's invitation, sealed with a key derived from the rater's own link
  token. The service keeps no token in clear and no key for it, so a draft (and every leftover
  copy of one in the SQLite WAL or PostgreSQL's dead row versions) is unreadable without the
  link, even with the service's SECRET_KEY;
- a **held response**, written when the rater submits, sealed with a key derived from
  SECRET_KEY, which the service opens later to move held answers into ``responses`` together
  with others (service/responses/holding.py).

Both are padded to one fixed size before sealing: the length of a sealed value must not hint
at the length of the comments that later appear in ``responses`` (a 3,000-character comment
would otherwise single out its draft). The answers are compressed first, so the fixed size
holds every comment box filled with ordinary prose; text that does not fit is refused with a
message asking to shorten it, and nothing the rater typed is lost.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import struct
import zlib
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from service.errors import DomainError

NONCE_BYTES = 12
_LENGTH = struct.Struct(">I")
# Compressed bytes budgeted per open question, plus room for the ratings. Ordinary prose
# compresses 2-3 times, so a question's 4,000 characters fit with room to spare.
BYTES_PER_QUESTION = 2048
BYTES_FOR_RATINGS = 1024
PAD_STEP = 4096


class AnswersTooLong(DomainError):
    """The answers do not fit the fixed sealed size (only unusual, incompressible text)."""

    status_code = 422


class SealBroken(DomainError):
    """A sealed value cannot be opened: the wrong link or key, or the value was altered."""

    status_code = 409


def padded_size(rubric: dict[str, Any]) -> int:
    """The one size every sealed answer set of this rubric has, whatever was written."""
    need = BYTES_FOR_RATINGS + BYTES_PER_QUESTION * len(rubric.get("questions", []))
    return -(-need // PAD_STEP) * PAD_STEP


def pack(answers: dict[str, int | None], comments: dict[str, str], size: int,
         step: int | None = None) -> bytes:
    """Answers and comments (and, in a draft, the step of the form the rater was on) as
    compressed JSON, length-prefixed and zero-padded to ``size``."""
    data: dict[str, Any] = {"a": answers, "c": comments}
    if step is not None:
        data["s"] = step
    body = zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), 9)
    if _LENGTH.size + len(body) > size:
        raise AnswersTooLong(gettext(
            "Your written answers are too long to store; please shorten the longest one and "
            "send the form again (nothing you typed is lost)"))
    return _LENGTH.pack(len(body)) + body + bytes(size - _LENGTH.size - len(body))


def unpack(packed: bytes) -> tuple[dict[str, int | None], dict[str, str]]:
    data = _unpacked(packed)
    return data["a"], data["c"]


def _unpacked(packed: bytes) -> dict[str, Any]:
    (length,) = _LENGTH.unpack_from(packed)
    data: dict[str, Any] = json.loads(zlib.decompress(packed[_LENGTH.size:_LENGTH.size + length]))
    return data


def _seal(key: bytes, plain: bytes, label: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plain, label)


def _open(key: bytes, sealed: bytes, label: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], label)
    except (InvalidTag, ValueError):
        raise SealBroken(_l("These saved answers cannot be opened: fill in the form "
                            "again")) from None


def draft_key(token: str) -> bytes:
    """HKDF of the link token: only someone holding the link can read that rater's draft."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"feedback360 draft v1",
                info=b"draft").derive(token.encode("ascii"))


@functools.lru_cache(maxsize=4)
def _held_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"held-response-aes-gcm:" + secret_key.encode()).digest()


def seal_draft(token: str, answers: dict[str, int | None], comments: dict[str, str],
               rubric: dict[str, Any], step: int | None = None) -> bytes:
    """``step``: the step of the form to come back to (the same fixed size either way)."""
    return _seal(draft_key(token), pack(answers, comments, padded_size(rubric), step),
                 b"draft")


def open_draft(token: str, sealed: bytes) -> tuple[dict[str, int | None], dict[str, str]]:
    return unpack(_open(draft_key(token), sealed, b"draft"))


def open_draft_with_step(token: str, sealed: bytes
                         ) -> tuple[dict[str, int | None], dict[str, str], int | None]:
    """The draft and the step the rater was on when it was saved (None in older drafts)."""
    data = _unpacked(_open(draft_key(token), sealed, b"draft"))
    step = data.get("s")
    return data["a"], data["c"], step if isinstance(step, int) else None


def seal_held(answers: dict[str, int | None], comments: dict[str, str],
              rubric: dict[str, Any]) -> bytes:
    key = _held_key(current_app.config["SECRET_KEY"])
    return _seal(key, pack(answers, comments, padded_size(rubric)), b"held")


def open_held(sealed: bytes) -> tuple[dict[str, int | None], dict[str, str]]:
    return unpack(_open(_held_key(current_app.config["SECRET_KEY"]), sealed, b"held"))
