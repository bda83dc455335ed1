"""Directory settings from the app's configuration (LDAP_* environment variables)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integrations.ldap.presets import FIELDS, PRESETS, Preset


class DirectoryConfigError(Exception):
    """A setting is missing or malformed; the message names it and says what to set."""


@dataclass(frozen=True)
class DirectorySettings:
    urls: tuple[str, ...]
    base_dn: str
    preset: Preset
    user_filter: str
    disabled_filter: str | None
    attributes: dict[str, str]
    bind_dn: str = ""
    bind_password: str = ""
    starttls: bool = False
    ca_file: str = ""
    page_size: int = 500
    timeout: int = 30
    max_deactivate_percent: float = 5.0

    def fingerprint(self) -> dict[str, Any]:
        """What, if changed, makes a saved incremental watermark meaningless."""
        return {"base_dn": self.base_dn.lower(), "preset": self.preset.name,
                "user_filter": self.user_filter, "disabled_filter": self.disabled_filter,
                "attributes": self.attributes}


def _check_filter(name: str, value: str) -> str:
    value = value.strip()
    if not (value.startswith("(") and value.endswith(")")) or value.count("(") != value.count(")"):
        raise DirectoryConfigError(
            f"{name} must be an LDAP filter in parentheses, such as (objectClass=user); "
            f"got {value!r}")
    return value


def settings_from_config(config: Mapping[str, Any]) -> DirectorySettings:
    urls = tuple(u for u in re.split(r"[\s,]+", config.get("LDAP_URL") or "") if u)
    if not urls:
        raise DirectoryConfigError(
            "LDAP_URL is not set: give the directory's address, such as "
            "ldaps://dc1.example.org (several, separated by spaces, for failover)")
    for url in urls:
        if not url.lower().startswith(("ldap://", "ldaps://")):
            raise DirectoryConfigError(f"LDAP_URL: {url!r} must start with ldap:// or ldaps://")
    base_dn = (config.get("LDAP_BASE_DN") or "").strip()
    if not base_dn:
        raise DirectoryConfigError(
            "LDAP_BASE_DN is not set: give where people are, such as ou=Staff,dc=example,dc=org")
    preset_name = (config.get("LDAP_PRESET") or "").strip().lower()
    if preset_name not in PRESETS:
        raise DirectoryConfigError(
            f"LDAP_PRESET must be one of {', '.join(sorted(PRESETS))}; got {preset_name!r}")
    preset = PRESETS[preset_name]
    user_filter = _check_filter("LDAP_USER_FILTER",
                                config.get("LDAP_USER_FILTER") or preset.user_filter)
    disabled = config.get("LDAP_DISABLED_FILTER") or preset.disabled_filter
    attributes = dict(preset.attributes)
    for field in FIELDS:
        override = (config.get(f"LDAP_ATTR_{field.upper()}") or "").strip()
        if override:
            attributes[field] = override
    page_size = int(config.get("LDAP_PAGE_SIZE") or 500)
    if not 1 <= page_size <= 10000:
        raise DirectoryConfigError(f"LDAP_PAGE_SIZE must be between 1 and 10000; got {page_size}")
    return DirectorySettings(
        urls=urls, base_dn=base_dn, preset=preset, user_filter=user_filter,
        disabled_filter=_check_filter("LDAP_DISABLED_FILTER", disabled) if disabled else None,
        attributes=attributes,
        bind_dn=config.get("LDAP_BIND_DN") or "",
        bind_password=config.get("LDAP_BIND_PASSWORD") or "",
        starttls=bool(config.get("LDAP_STARTTLS")),
        ca_file=config.get("LDAP_CA_FILE") or "",
        page_size=page_size,
        timeout=int(config.get("LDAP_TIMEOUT") or 30),
        max_deactivate_percent=float(config.get("LDAP_MAX_DEACTIVATE_PERCENT", 5.0)),
    )
