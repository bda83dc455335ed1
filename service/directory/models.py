"""Where the last directory sync got to, so the next one can read only what changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import db


class DirectorySyncState(db.Model):
    __tablename__ = "directory_sync_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Settings the watermark belongs to (base DN, preset, filters, attributes).
    fingerprint: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The server a per-server counter (AD's uSNChanged) came from; empty for timestamps.
    server: Mapped[str] = mapped_column(String(1024), default="")
    watermark: Mapped[str | None] = mapped_column(String(64))
    last_full_sync_at: Mapped[dt.datetime | None]
    last_sync_at: Mapped[dt.datetime | None]
    last_counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
