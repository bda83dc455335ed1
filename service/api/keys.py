"""Create, list, revoke and check API keys. Operations flush; the caller commits.

A key is shown once, when it is made, and kept only as its SHA-256 (as personal links are,
service/nominations/tokens.py): 256 random bits leave nothing to guess."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from service.api.models import ApiKey
from service.audit.operations import current_actor, record
from service.db import db, utcnow
from service.errors import DomainError, InvalidInput, NotFound

#: What a key may do, and what each scope allows (the CLI's --help and the page list them).
SCOPES: dict[str, Any] = {
    "people:read": _l("list and read people"),
    "rubrics:read": _l("list and read rubrics, and check a rubric"),
    "cycles:read": _l("list and read cycles"),
    "cycles:write": _l("create and edit cycles, add leaders, nominate raters, launch, extend, "
                       "close and release"),
    "progress:read": _l("response counts per leader and group, never who answered"),
    "reports:read": _l("report status, and the summaries, PDFs and action plans leaders shared"),
    "audit:read": _l("the audit log"),
}
PREFIX = "f360_"  # recognisable in a leaked file or a secret scanner's rules
KEY_BYTES = 32
_KEY_SHAPE = re.compile(r"^f360_[A-Za-z0-9_-]{43}$")
_NAME_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
MAX_DAYS = 3650


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  #: the key itself: shown once, stored nowhere


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME_SHAPE.match(name):
        raise InvalidInput(_l("a key's name is 1 to 100 letters, digits, spaces, dots, dashes "
                              "or underscores, starting with a letter or digit, such as "
                              "'ESR appraisal'"))
    if db.session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise DomainError(_l("there is already a key named '%(name)s'; choose another name",
                             name=name))
    return name


def check_scopes(scopes: list[str]) -> list[str]:
    if not scopes or set(scopes) - set(SCOPES):
        raise InvalidInput(_l("choose one or more scopes from: %(scopes)s",
                              scopes=", ".join(SCOPES)))
    return sorted(set(scopes), key=list(SCOPES).index)


def check_days(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise InvalidInput(_l("a key expires in 1 to %(max)s days", max=MAX_DAYS))
    return days


def create_key(name: str, scopes: list[str], expires_in_days: int | None = None) -> NewKey:
    """A new key (checked by the same three checks the admin page runs field by field)."""
    name, scopes = check_name(name), check_scopes(scopes)
    expires_in_days = check_days(expires_in_days)
    secret = PREFIX + secrets.token_urlsafe(KEY_BYTES)
    now = utcnow()
    key = ApiKey(name=name, key_hash=hash_key(secret), prefix=secret[:9],
                 scopes=scopes,
                 created_by=current_actor().label, created_at=now,
                 expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None)
    db.session.add(key)
    db.session.flush()
    record("apikey.create", "api_key", key.id,
           f"created API key '{name}' with scopes {', '.join(key.scopes)}"
           + (f", expires {key.expires_at:%Y-%m-%d}" if key.expires_at else ""))
    return NewKey(key, secret)


def list_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id)))


def get_key(key_id: int) -> ApiKey:
    key = db.session.get(ApiKey, key_id) if 0 < key_id < 2**31 else None
    if key is None:
        raise NotFound(_l("no API key with id %(id)s; `feedback360 apikey list` shows them",
                          id=key_id))
    return key


def revoke_key(key: ApiKey) -> None:
    if key.revoked_at is not None:
        raise DomainError(_l("the key '%(name)s' is already revoked", name=key.name))
    key.revoked_at = utcnow()
    db.session.flush()
    record("apikey.revoke", "api_key", key.id, f"revoked API key '{key.name}'")


def key_state(key: ApiKey, now: dt.datetime | None = None) -> str:
    now = now or utcnow()
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


def authenticate(secret: str) -> ApiKey | None:
    """The usable key for ``secret``, or None (unknown, malformed, expired or revoked: the
    caller answers all of them alike, so a client learns nothing about other keys)."""
    if not _KEY_SHAPE.match(secret):
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(secret)))
    if key is None or not key.usable(utcnow()):
        return None
    return key
