"""Which of the role groups (LDAP_HR_GROUP, LDAP_ADMIN_GROUP) a signed-in user belongs to,
directly or through groups nested inside them (LDAP_NESTED_GROUPS).

- `in-chain`: Active Directory answers it: a base search of the role group with the filter
  `(member:1.2.840.113556.1.4.1941:=<user DN>)` (LDAP_MATCHING_RULE_IN_CHAIN) finds the group
  when the user is a member at any depth. One search per role group.
- `walk`: other directories (OpenLDAP) do not know that rule, so the service walks up from
  the user, breadth first: the groups that list the user as `member`, then the groups that list
  those, one search per level, under the naming context that holds the role groups. A group
  met twice is not searched again (a cycle ends), and the walk stops after MAX_DEPTH levels or
  MAX_GROUPS groups (bounded work for one sign-in; past either, only the roles found so far).
- `direct`: only the group's own `member` values.
- `auto` (the default): `in-chain` when the root DSE says the server is Active Directory
  (supportedCapabilities holds LDAP_CAP_ACTIVE_DIRECTORY_OID), otherwise `walk`.
Membership is by the `member` attribute (AD's groups, OpenLDAP's groupOfNames)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars

from integrations.ldap.client import explain, paged_search
from integrations.ldap.dn import normalise_dn
from integrations.ldap.settings import DirectorySettings

MODES = ("auto", "in-chain", "walk", "direct")
IN_CHAIN_RULE = "1.2.840.113556.1.4.1941"  # LDAP_MATCHING_RULE_IN_CHAIN
AD_CAPABILITY = "1.2.840.113556.1.4.800"  # LDAP_CAP_ACTIVE_DIRECTORY_OID
#: Levels of nesting the walk follows. Organisations nest groups a few levels deep; this is
#: the bound on work for one sign-in, not a rule of the directory.
MAX_DEPTH = 8
#: Groups the walk reads at most for one sign-in.
MAX_GROUPS = 1000
#: Group DNs per search filter (`(|(member=a)(member=b)…)`), to keep filters a sane size.
CHUNK = 50
log = logging.getLogger(__name__)


def check_mode(value: str) -> str:
    """The LDAP_NESTED_GROUPS setting's parser."""
    mode = value.strip().lower()
    if mode not in MODES:
        raise ValueError(f"expected one of {', '.join(MODES)}, got {value!r}")
    return mode


def member_roles(conn: ldap3.Connection, settings: DirectorySettings, user_dn: str,
                 role_groups: Mapping[str, str], mode: str = "auto") -> frozenset[str]:
    """The roles whose group holds ``user_dn`` as the mode says (role -> group DN)."""
    wanted = {role: group for role, group in role_groups.items() if group}
    if not wanted:
        return frozenset()
    dse = _root_dse(conn, settings)
    if mode == "auto":
        mode = "in-chain" if AD_CAPABILITY in dse.get("supportedcapabilities", ()) else "walk"
    if mode == "walk":
        return _walk(conn, settings, user_dn, wanted, dse.get("namingcontexts", ()))
    rule = f":{IN_CHAIN_RULE}:" if mode == "in-chain" else ""
    return frozenset(role for role, group in wanted.items()
                     if _group_matches(conn, settings, group, f"(member{rule}="
                                       f"{escape_filter_chars(user_dn)})"))


def _root_dse(conn: ldap3.Connection, settings: DirectorySettings) -> dict[str, list[str]]:
    """Every value of the root DSE's capabilities and naming contexts, by lower-case name."""
    try:
        conn.search("", "(objectClass=*)", ldap3.BASE,
                    attributes=["supportedCapabilities", "namingContexts"])
    except ldap_errors.LDAPException as exc:
        raise explain(exc, settings) from None
    if conn.result.get("result") != 0 or not conn.response:
        return {}
    raw = conn.response[0].get("raw_attributes") or {}
    return {name: [value.decode("utf-8", "replace") for value in values]
            for name, values in raw.items()}


def _group_matches(conn: ldap3.Connection, settings: DirectorySettings, group: str,
                   search_filter: str) -> bool:
    """Whether a base search of ``group`` with ``search_filter`` finds it (the server compares
    DNs by its own rules, so case and escaping do not matter)."""
    try:
        conn.search(group, search_filter, ldap3.BASE, attributes=["1.1"])
    except ldap_errors.LDAPException as exc:
        raise explain(exc, settings) from None
    if conn.result.get("result") == 32:  # noSuchObject
        log.warning("a role group named in LDAP_HR_GROUP or LDAP_ADMIN_GROUP does not exist")
    elif conn.result.get("result") != 0:
        log.warning("role group search failed (%s)", conn.result.get("description"))
    return any(entry["type"] == "searchResEntry" for entry in conn.response or ())


def _search_bases(groups: Mapping[str, str], naming_contexts: list[str] | tuple[str, ...]
                  ) -> list[str]:
    """Where to look for groups: the naming context holding each role group (the longest that
    ends its DN), or, when the root DSE does not say, the role group's `dc=` components."""
    bases: dict[str, str] = {}
    contexts = sorted(naming_contexts, key=len, reverse=True)
    for group in groups.values():
        normal = normalise_dn(group)
        base = next((c for c in contexts if normal == normalise_dn(c)
                     or normal.endswith("," + normalise_dn(c))), None)
        if base is None:
            tail = [part for part in group.split(",") if part.strip().lower().startswith("dc=")]
            base = ",".join(tail) or group
        bases.setdefault(normalise_dn(base), base)
    return list(bases.values())


def _walk(conn: ldap3.Connection, settings: DirectorySettings, user_dn: str,
          wanted: Mapping[str, str], naming_contexts: list[str] | tuple[str, ...]
          ) -> frozenset[str]:
    """Breadth first up from the user through the groups that list them, bounded and
    cycle-safe; stops as soon as every role group is found."""
    targets = {normalise_dn(group): role for role, group in wanted.items()}
    found: set[str] = set()
    seen = {normalise_dn(user_dn)}
    frontier = [user_dn]
    bases = _search_bases(wanted, naming_contexts)
    for _depth in range(MAX_DEPTH):
        parents: list[str] = []
        for start in range(0, len(frontier), CHUNK):
            members = "".join(f"(member={escape_filter_chars(dn)})"
                              for dn in frontier[start:start + CHUNK])
            search_filter = f"(|{members})" if len(frontier[start:start + CHUNK]) > 1 \
                else members
            for base in bases:
                for dn, _raw in paged_search(conn, dataclasses.replace(settings, base_dn=base),
                                             search_filter, ["1.1"]):
                    normal = normalise_dn(dn)
                    if normal in seen:
                        continue  # met before: a cycle, or two paths to one group
                    seen.add(normal)
                    parents.append(dn)
                    if normal in targets:
                        found.add(targets[normal])
        if len(found) == len(targets) or not parents:
            return frozenset(found)
        if len(seen) > MAX_GROUPS:
            log.warning("role groups: stopped after %d groups (the walk's bound)", MAX_GROUPS)
            return frozenset(found)
        frontier = parents
    log.info("role groups: stopped at %d levels of nesting (the walk's bound)", MAX_DEPTH)
    return frozenset(found)
