"""Roles from nested directory groups: a person in a group inside the HR group is HR. Against
slapd (both flavours: neither knows AD's in-chain rule, so `auto` walks), with cycles and a
depth bound; the in-chain search itself against a recording connection, as only AD runs it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ldap3
import pytest
from flask import Flask

from integrations.ldap.settings import settings_from_config
from service.directory import role_groups
from service.directory.login import sign_in as directory_sign_in
from tests.directory.conftest import Org, build_org
from tests.ldap_server import SUFFIX, Slapd, app_settings
from tests.ldap_server import Person as Entry
from tests.staff_fixtures import ADMIN_GROUP, HR_GROUP, sign_in, synced_directory_app

PASSWORD = "directory password, nested"


def _group(name: str) -> str:
    return f"cn={name},ou=services,{SUFFIX}"


@pytest.fixture
def org() -> Org:
    return build_org(staff=2)


@pytest.fixture
def people(directory: Slapd, org: Org) -> dict[str, Entry]:
    """Nia is in the HR group; Bob in "ward leads", which is inside it; Cai in a loop of two
    groups that leads nowhere; Dee at the bottom of a chain as deep as the walk goes; Eve one
    level deeper; the chief (not a synced person's problem here) in the admin group."""
    entries = {name: Entry(name, name.title(), "Staff", email=f"{name}@example.org",
                           manager=org.chief)
               for name in ("nia", "bob", "cai", "dee", "eve")}
    for entry in entries.values():
        directory.add(entry, password=PASSWORD)
    depth = role_groups.MAX_DEPTH
    groups = {
        HR_GROUP: [entries["nia"].dn, _group("ward leads"), _group("chain 1"),
                   _group("long 1")],
        ADMIN_GROUP: [org.chief.dn],
        _group("ward leads"): [entries["bob"].dn, _group("loop a")],  # loop a: back up
        _group("loop a"): [_group("loop b"), entries["cai"].dn],
        _group("loop b"): [_group("loop a"), _group("ward leads")],
        # chain 1 … chain depth-1: Dee's role is found at the walk's last level.
        **{_group(f"chain {n}"): [_group(f"chain {n + 1}")] for n in range(1, depth - 1)},
        _group(f"chain {depth - 1}"): [entries["dee"].dn],
        # long 1 … long depth: one level more than the walk follows.
        **{_group(f"long {n}"): [_group(f"long {n + 1}")] for n in range(1, depth)},
        _group(f"long {depth}"): [entries["eve"].dn],
    }
    with directory.connection() as conn:
        for dn in groups:  # groupOfNames needs a member: add, then fill
            conn.add(dn, attributes={"objectClass": ["groupOfNames"],
                                     "cn": dn.split(",")[0][3:], "member": [SUFFIX]})
        for dn, members in groups.items():
            assert conn.modify(dn, {"member": [(ldap3.MODIFY_REPLACE, members)]}), conn.result
    return entries


def _roles(directory: Slapd, name: str, mode: str = "auto") -> frozenset[str]:
    settings = settings_from_config(app_settings(directory))
    login = directory_sign_in(settings, name, PASSWORD, {"hr": HR_GROUP, "admin": ADMIN_GROUP},
                              mode)
    assert login is not None
    return login.roles


def test_a_member_of_a_group_inside_the_hr_group_is_hr(directory: Slapd,
                                                       people: dict[str, Entry]) -> None:
    assert _roles(directory, "nia") == {"hr"}  # direct
    assert _roles(directory, "bob") == {"hr"}  # through "ward leads"
    assert _roles(directory, "cai") == {"hr"}  # loop a -> ward leads -> HR, despite the loop


def test_the_walk_is_bounded_in_depth(directory: Slapd, people: dict[str, Entry]) -> None:
    assert _roles(directory, "dee", "walk") == {"hr"}  # MAX_DEPTH levels up: found
    assert _roles(directory, "eve", "walk") == frozenset()  # one more: not followed


def test_direct_follows_no_nesting(directory: Slapd, people: dict[str, Entry]) -> None:
    assert _roles(directory, "nia", "direct") == {"hr"}
    assert _roles(directory, "bob", "direct") == frozenset()


def test_a_loop_that_leads_to_no_role_group_ends(directory: Slapd, org: Org,
                                                 people: dict[str, Entry]) -> None:
    with directory.connection() as conn:  # cut the way from the loop to the HR group
        conn.modify(_group("loop b"), {"member": [(ldap3.MODIFY_REPLACE, [_group("loop a")])]})
        conn.modify(_group("ward leads"), {"member": [(ldap3.MODIFY_REPLACE,
                                                       [people["bob"].dn])]})
    assert _roles(directory, "cai", "walk") == frozenset()


@pytest.fixture
def nested_app(make_app: Any, directory: Slapd, people: dict[str, Entry],
               tmp_path: Any) -> Iterator[Flask]:
    with synced_directory_app(make_app, directory, tmp_path) as (app, _):
        yield app


def test_signing_in_through_a_nested_group_gives_the_role(nested_app: Flask) -> None:
    client = nested_app.test_client()
    assert sign_in(client, "bob", PASSWORD).status_code == 302
    page = client.get("/staff").get_data(as_text=True)
    assert page.split('id="roles">')[1].split("</span>")[0].strip() == "HR"


def test_the_setting_refuses_an_unknown_mode() -> None:
    from service.config import load_config

    with pytest.raises(ValueError, match="LDAP_NESTED_GROUPS: expected one of auto, in-chain"):
        load_config(environ={"LDAP_NESTED_GROUPS": "deep"})


class RecordingConnection:
    """Answers the searches an Active Directory server would, and keeps them."""

    def __init__(self, capabilities: list[str], matches: set[str]) -> None:
        self.searches: list[tuple[str, str, Any]] = []
        self.capabilities, self.matches = capabilities, matches
        self.result: dict[str, Any] = {}
        self.response: list[dict[str, Any]] = []

    def search(self, base: str, search_filter: str, scope: Any, **_: Any) -> bool:
        self.searches.append((base, search_filter, scope))
        self.result = {"result": 0}
        if base == "":
            self.response = [{"type": "searchResEntry", "raw_attributes": {
                "supportedcapabilities": [c.encode() for c in self.capabilities],
                "namingcontexts": [SUFFIX.encode()]}}]
        else:
            self.response = [{"type": "searchResEntry", "dn": base}] \
                if base in self.matches else []
        return True


def _ad_settings() -> Any:
    return settings_from_config({"LDAP_URL": "ldap://dc.example.org", "LDAP_BASE_DN": SUFFIX,
                                 "LDAP_PRESET": "ad"})


@pytest.mark.parametrize("mode", ["auto", "in-chain"])
def test_active_directory_is_asked_with_the_in_chain_rule(mode: str) -> None:
    conn = RecordingConnection([role_groups.AD_CAPABILITY, "1.2.840.113556.1.4.1670"],
                               {HR_GROUP})
    user = "CN=Bob (Ward),OU=People,DC=example,DC=org"
    roles = role_groups.member_roles(conn, _ad_settings(), user,  # type: ignore[arg-type]
                                     {"hr": HR_GROUP, "admin": ADMIN_GROUP}, mode)
    assert roles == {"hr"}
    assert conn.searches[1:] == [
        (HR_GROUP, r"(member:1.2.840.113556.1.4.1941:=CN=Bob \28Ward\29,OU=People,"
                   r"DC=example,DC=org)", ldap3.BASE),
        (ADMIN_GROUP, r"(member:1.2.840.113556.1.4.1941:=CN=Bob \28Ward\29,OU=People,"
                      r"DC=example,DC=org)", ldap3.BASE)]


def test_auto_walks_where_the_server_is_not_active_directory() -> None:
    conn = RecordingConnection(["1.3.6.1.4.1.4203.1.5.1"], set())
    role_groups.member_roles(conn, _ad_settings(), "cn=x," + SUFFIX,  # type: ignore[arg-type]
                             {"hr": HR_GROUP}, "auto")
    assert "1.2.840.113556.1.4.1941" not in conn.searches[1][1]
    assert conn.searches[1][:2] == (SUFFIX, f"(member=cn=x,{SUFFIX})")


def test_no_role_groups_no_searches() -> None:
    conn = RecordingConnection([], set())
    assert role_groups.member_roles(conn, _ad_settings(), "cn=x",  # type: ignore[arg-type]
                                    {"hr": "", "admin": ""}) == frozenset()
    assert conn.searches == []
