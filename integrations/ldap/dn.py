"""Compare distinguished names as the directory does, whatever escaping each value used."""

from __future__ import annotations

import functools
import re

from ldap3.utils.dn import escape_rdn

# attribute = value, where a value is escaped pairs (\2C, \,) or any character but , + \ ;
# followed by the separator. RFC 4514 with the leniencies servers show (spaces around =).
_AVA = re.compile(r"\s*([^=,+\s]+)\s*=\s*((?:\\[0-9a-fA-F]{2}|\\.|[^,+\\])*?)\s*([,+]|$)")
_SPECIAL = re.compile(r'[\\+"#;<>]')
_ESCAPE = re.compile(rb"\\([0-9a-fA-F]{2}|.)")


def _unescape(value: str) -> str:
    """`\\2C` and `\\,` are the same comma; hex pairs may spell one UTF-8 character together."""
    if "\\" not in value:
        return value

    def replace(match: re.Match[bytes]) -> bytes:
        text = match.group(1)
        return bytes.fromhex(text.decode()) if len(text) == 2 else text

    return _ESCAPE.sub(replace, value.encode()).decode("utf-8", "replace")


@functools.lru_cache(maxsize=65536)
def normalise_dn(dn: str) -> str:
    """Lower-case types and values, one escaping style, no spaces around separators.

    Case-insensitive values are the rule for the naming attributes people live under (cn, ou,
    dc, uid) in both AD and OpenLDAP. A DN that cannot be parsed is compared as it is, lower
    case. Cached: manager DNs repeat across a whole team."""
    normal = _normalise(dn)
    return dn.strip().lower() if normal is None else normal


@functools.lru_cache(maxsize=4096)
def _normalise(dn: str) -> str | None:
    """The first RDN here, the rest (the same few OUs for everyone) from the cache."""
    if not _SPECIAL.search(dn) and all(part.count("=") == 1 for part in dn.split(",")):
        return ",".join("=".join(side.strip() for side in part.split("=", 1))
                        for part in dn.lower().split(","))  # nothing escaped: the common case
    match = _AVA.match(dn)
    if match is None or not match.group(0):
        return None
    attribute, value, separator = match.groups()
    value = _unescape(value).lower()
    first = f"{attribute.lower()}={escape_rdn(value) if value else ''}{separator}"
    if not separator:
        return first if match.end() == len(dn) else None
    rest = _normalise(dn[match.end():])
    return None if rest is None else first + rest
