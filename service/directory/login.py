"""Staff login against the directory: find the user with the service account, bind as them,
and (for staff sign-in) read which of the configured role groups they belong to, directly or
through nested groups (service/directory/role_groups.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from ldap3.utils.conv import escape_filter_chars

from integrations.ldap.client import (
    InvalidCredentials,
    close_quietly,
    connect,
    paged_search,
)
from integrations.ldap.settings import DirectorySettings
from service.directory.records import format_id
from service.directory.role_groups import member_roles

MAX_USERNAME = 256
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DirectoryLogin:
    directory_id: str
    dn: str
    #: roles whose group (a DN from LDAP_HR_GROUP / LDAP_ADMIN_GROUP) holds the user
    roles: frozenset[str] = frozenset()


def authenticate(settings: DirectorySettings, username: str, password: str) -> str | None:
    """The directory id of the person these credentials belong to, or None.

    An empty password is refused here: LDAP treats a bind with a DN and no password as an
    anonymous bind that "succeeds". Disabled accounts are not found. Raises DirectoryError when
    the directory cannot be asked, so a caller can tell "wrong password" from "try later"."""
    login = sign_in(settings, username, password)
    return login.directory_id if login else None


def sign_in(settings: DirectorySettings, username: str, password: str,
            role_groups: Mapping[str, str] | None = None,
            nesting: str = "auto") -> DirectoryLogin | None:
    """As `authenticate`, with the user's DN and the roles from `role_groups` (role -> DN),
    nested groups followed as ``nesting`` (LDAP_NESTED_GROUPS) says."""
    username = username.strip()
    if not username or not password or len(username) > MAX_USERNAME:
        return None
    id_attribute = settings.attributes["id"]
    search_filter = (f"(&{settings.user_filter}"
                     f"({settings.attributes['username']}={escape_filter_chars(username)}))")
    if settings.disabled_filter:
        search_filter = f"(&{search_filter}(!{settings.disabled_filter}))"
    conn = connect(settings)
    try:
        entries = list(paged_search(conn, settings, search_filter, [id_attribute]))
        if len(entries) != 1 or not entries[0][1].get(id_attribute.lower()):
            return None
        dn, raw = entries[0]
        try:
            connect(settings, user=dn, password=password).unbind()
        except InvalidCredentials:
            return None
        roles = member_roles(conn, settings, dn, role_groups or {}, nesting)
    finally:
        close_quietly(conn)
    return DirectoryLogin(format_id(raw[id_attribute.lower()][0], settings.preset.id_format),
                          dn, roles)

