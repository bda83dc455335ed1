"""API keys and the answers kept for retried writes (Idempotency-Key)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import db, utcnow


class ApiKey(db.Model):
    """A key an integration sends as `Authorization: Bearer <key>`. Only its SHA-256 is kept:
    the key is 256 random bits, so a fast hash is right (as for personal links) and the look-up
    is one indexed equality match."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: how the audit log names every call made with it; unique so the log is unambiguous
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters of the key, shown in lists so a key can be recognised
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    #: who created it: an admin's name or "command line (user)", as the audit log says
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]

    def usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotentAnswer(db.Model):
    """The first answer to a write sent with an `Idempotency-Key`, saved in the transaction of
    the write itself: a retry gets this answer back and the operation does not run again."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("api_key_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    #: SHA-256 of method, path and body: the same key with another request is refused
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    api_key: Mapped[ApiKey] = relationship()
