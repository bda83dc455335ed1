"""Local passwords and granted roles. Both belong to a Person: nobody signs in who is not one.

A role is granted to a person, not to an account: someone who signs in through the directory or
OpenID Connect has no local account and may still be HR."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import db, utcnow
from service.people.models import Person

ROLES = ("hr", "admin")


class StaffAccount(db.Model):
    """A local password (argon2id, in the encoded form argon2-cffi writes: it names its own
    parameters, so a hash made under older ones is recognised and rehashed at sign-in)."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()


class StaffRole(db.Model):
    """A granted role (`hr` or `admin`); the others follow from the data."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    role: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()


class SessionGeneration(db.Model):
    """Which of a person's staff sessions are still good: a session carries the generation it
    started under, and any other number is signed out. Signing out, a new password and a
    removed role move the number on, so every copy of every cookie of that person stops
    working at once. A person's row, not an account's: directory and OpenID Connect sign-ins
    have no local account."""

    __tablename__ = "staff_session_generations"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(default=0)
