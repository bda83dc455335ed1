"""A directory entry read as the fields of a Person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from integrations.ldap.client import DirectoryError
from integrations.ldap.dn import normalise_dn
from integrations.ldap.settings import DirectorySettings
from service.rubrics.schemas import LANGUAGES

# Column lengths of Person; a longer directory value is cut rather than failing the sync.
_LIMITS = {"username": 255, "email": 320, "given_name": 200, "family_name": 200,
           "display_name": 400, "title": 400, "department": 400}
_LANGUAGE_ALIASES = {"cym": "cy", "wel": "cy", "welsh": "cy", "eng": "en", "english": "en",
                     "cymraeg": "cy"}
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
    first = value.split(",")[0].strip().lower()
    code = _LANGUAGE_ALIASES.get(first, first.replace("_", "-").split("-")[0].split(";")[0])
    return code if code in LANGUAGES else None


def record_from_entry(dn: str, raw: dict[str, list[bytes]],
                      settings: DirectorySettings) -> DirectoryRecord:
    attributes = settings.attributes

    def first(field: str) -> str:
        values = raw.get(attributes[field])
        text = values[0].decode("utf-8", "replace").strip() if values else ""
        return text[:_LIMITS[field]] if field in _LIMITS else text

    key = raw.get(attributes["id"])
    if not key:
        raise DirectoryError(
            f"the entry {dn} has no {attributes['id']} attribute, which is the stable id the "
            "sync keys people on: check LDAP_ATTR_ID and that the sync account may read it")
    given, family = first("given_name"), first("family_name")
    manager = first("manager")
    change = raw.get(settings.preset.change_attribute)
    return DirectoryRecord(
        directory_id=format_id(key[0], settings.preset.id_format),
        directory_dn=normalise_dn(dn),
        username=first("username") or None,
        email=first("email"),
        given_name=given,
        family_name=family,
        display_name=(first("display_name") or f"{given} {family}".strip() or dn)[:400],
        title=first("title"),
        department=first("department"),
        language=language_code(first("language")),
        manager_dn=normalise_dn(manager) if manager else None,
        change=change[0].decode() if change else None,
    )
