"""Staff login against the directory: find the user with the service account, bind as them."""

from __future__ import annotations

from ldap3.utils.conv import escape_filter_chars

from integrations.ldap.client import InvalidCredentials, close_quietly, connect, paged_search
from integrations.ldap.settings import DirectorySettings
from service.directory.records import format_id

MAX_USERNAME = 256


def authenticate(settings: DirectorySettings, username: str, password: str) -> str | None:
    """The directory id of the person these credentials belong to, or None.

    An empty password is refused here: LDAP treats a bind with a DN and no password as an
    anonymous bind that "succeeds". Disabled accounts are not found. Raises DirectoryError when
    the directory cannot be asked, so a caller can tell "wrong password" from "try later"."""
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
    finally:
        close_quietly(conn)
    if len(entries) != 1 or not entries[0][1].get(id_attribute.lower()):
        return None
    dn, raw = entries[0]
    try:
        connect(settings, user=dn, password=password).unbind()
    except InvalidCredentials:
        return None
    return format_id(raw[id_attribute.lower()][0], settings.preset.id_format)
