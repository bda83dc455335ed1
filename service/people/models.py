"""A person as the directory knows them.

People are never deleted: past cycles keep their subjects."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import db, utcnow


class Person(db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    directory_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Where the record comes from: "file" (people import) or "ldap" (directory sync). Only the
    # sync's own people can be deactivated by a sync.
    source: Mapped[str] = mapped_column(String(16), default="file")
    username: Mapped[str | None] = mapped_column(String(255), index=True)
    # Normalised (lower case, one escaping style) so a manager's DN finds its person.
    directory_dn: Mapped[str | None] = mapped_column(String(1024), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    given_name: Mapped[str] = mapped_column(String(200), default="")
    family_name: Mapped[str] = mapped_column(String(200), default="")
    display_name: Mapped[str] = mapped_column(String(400))
    title: Mapped[str] = mapped_column(String(400), default="")
    department: Mapped[str] = mapped_column(String(400), default="")
    manager_directory_id: Mapped[str | None] = mapped_column(String(255))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # From the directory's preferredLanguage; None means "the cycle's language".
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    manager: Mapped[Person | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.directory_id}>"
