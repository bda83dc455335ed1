"""A directory entry read as the fields of a Person."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from integrations.ldap.client import DirectoryError
from integrations.ldap.dn import normalise_dn
from integrations.ldap.settings import DirectorySettings
from service.rubrics.schemas import LANGUAGES

# Column lengths of Person; a longer directory value is cut rather than failing the sync.
_LIMITS = {"username": 255, "email": 320, "given_name": 200, "family_name": 200,
           "display_name": 400, "title": 400, "department": 400}
_LANGUAGE_ALIASES = {"cym": "cy", "wel": "cy", "welsh": "cy", "eng": "en", "english": "en",
                     "cymraeg": "cy"}
RawAttributes = dict[str, list[bytes]]
PERSON_FIELDS = ("directory_dn", "username", "email", "given_name", "family_name",
                 "display_name", "title", "department", "language")


@dataclass(slots=True)
class DirectoryRecord:
    directory_id: str
    directory_dn: str
    username: str | None
    email: str
    given_name: str
    family_name: str
    display_name: str
    title: str
    department: str
    language: str | None
    manager_dn: str | None
    change: str | None

    def values(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in PERSON_FIELDS}


def search_attributes(settings: DirectorySettings) -> list[str]:
    names = list(dict.fromkeys(settings.attributes.values()))
    return [*names, settings.preset.change_attribute]


def format_id(raw: bytes, id_format: str) -> str:
    """AD's objectGUID is 16 bytes, little-endian in its first three fields."""
    if id_format == "guid" and len(raw) == 16:
        return str(uuid.UUID(bytes_le=raw))
    return raw.decode("utf-8", "replace").strip().lower()


def language_code(value: str) -> str | None:
    """Directories say 'cy-GB', 'cy_GB', 'Welsh' or 'cy, en'; keep a language we speak, else
    None: the cycle's language applies."""
    if not value:
        return None
    first = value.split(",")[0].strip().lower()
    code = _LANGUAGE_ALIASES.get(first, first.replace("_", "-").split("-")[0].split(";")[0])
    return code if code in LANGUAGES else None


_TEXT_FIELDS = ("username", "email", "given_name", "family_name", "display_name", "title",
                "department", "manager", "language")


def entry_id(dn: str, raw: RawAttributes, settings: DirectorySettings) -> str:
    """The entry's stable id, the key a person is stored under."""
    key = raw.get(settings.attributes["id"].lower())
    if not key:
        raise DirectoryError(_l(
            "the entry %(dn)s has no %(attribute)s attribute, which is the stable id the sync "
            "keys people on: check LDAP_ATTR_ID and that the sync account may read it", dn=dn,
            attribute=settings.attributes["id"]))
    return format_id(key[0], settings.preset.id_format)


def record_reader(settings: DirectorySettings) -> Callable[[str, RawAttributes], DirectoryRecord]:
    """A function from one entry (DN, attributes by lower-case name) to a record.

    Built once per sync: a 100,000-entry sweep calls it 100,000 times, so the attribute names
    and column limits are looked up here rather than per entry."""
    attributes = settings.attributes
    id_attribute = attributes["id"].lower()
    id_format = settings.preset.id_format
    change_attribute = settings.preset.change_attribute.lower()
    fields = [(attributes[name].lower(), _LIMITS.get(name)) for name in _TEXT_FIELDS]

    def read(dn: str, raw: RawAttributes) -> DirectoryRecord:
        key = raw.get(id_attribute)
        if not key:
            entry_id(dn, raw, settings)  # raises, saying which attribute is missing
        text = []
        for attribute, limit in fields:
            values = raw.get(attribute)
            value = values[0].decode("utf-8", "replace").strip() if values else ""
            text.append(value[:limit] if limit and len(value) > limit else value)
        username, email, given, family, display, title, department, manager, language = text
        change = raw.get(change_attribute)
        return DirectoryRecord(
            directory_id=format_id(key[0], id_format),
            directory_dn=normalise_dn(dn),
            username=username or None,
            email=email,
            given_name=given,
            family_name=family,
            display_name=(display or f"{given} {family}".strip() or dn)[:400],
            title=title,
            department=department,
            language=language_code(language),
            manager_dn=normalise_dn(manager) if manager else None,
            change=change[0].decode() if change else None,
        )

    return read

