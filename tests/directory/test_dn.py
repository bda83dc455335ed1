"""DN comparison: one DN however the directory escapes or spaces it, and never two people's DNs
made equal. The stored form must not drift either: people rows keep it between syncs."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from ldap3.utils.dn import escape_rdn

from integrations.ldap.dn import _unescape, normalise_dn

_AVA = re.compile(r"\s*([^=,+\s]+)\s*=\s*((?:\\[0-9a-fA-F]{2}|\\.|[^,+\\])*?)\s*([,+]|$)")


def reference(dn: str) -> str:
    """The plain algorithm, AVA by AVA (what directory_dn rows were stored with)."""
    out = []
    position = 0
    while position < len(dn):
        match = _AVA.match(dn, position)
        if match is None or match.end() == position:
            return dn.strip().lower()
        attribute, value, separator = match.groups()
        value = _unescape(value).lower()
        out.append(f"{attribute.lower()}={escape_rdn(value) if value else ''}{separator}")
        position = match.end()
    return "".join(out)


def hex_escaped(value: str) -> str:
    """RFC 4514's other spelling: every special character as \\XX (AD and slapd differ)."""
    out = []
    for char in value:
        if char in ',+"\\<>;=#' or (char == " " and not out):
            out.append("".join(f"\\{byte:02X}" for byte in char.encode()))
        else:
            out.append(char)
    return "".join(out)


values = st.text(alphabet=st.sampled_from(list("aZ ,+\"\\<>;=#(*)'ŵŷÂé-.0")), min_size=1,
                 max_size=12).filter(lambda v: v.strip() == v and v.strip())
BASE = "ou=people,dc=example,dc=org"


@given(values)
def test_escaping_style_spacing_and_case_do_not_matter(value: str) -> None:
    canonical = f"cn={escape_rdn(value)},{BASE}"
    variants = [
        f"CN={escape_rdn(value.upper())},OU=People,DC=example,DC=org",
        f"cn={hex_escaped(value)},{BASE}",
        f"cn = {escape_rdn(value)} , ou=people , dc=example,dc=org",
    ]
    for variant in variants:
        assert normalise_dn(variant) == normalise_dn(canonical), variant
    assert normalise_dn(canonical) == reference(canonical)


@given(values, values)
def test_different_people_stay_different(first: str, second: str) -> None:
    if first.lower() == second.lower():
        return
    assert normalise_dn(f"cn={escape_rdn(first)},{BASE}") != normalise_dn(
        f"cn={escape_rdn(second)},{BASE}")


def test_examples_as_directories_write_them() -> None:
    slapd = "cn=O'Brien\\2C Si\\C3\\A2n,ou=people,dc=example,dc=org"  # how slapd returns it
    ad = "CN=O'Brien\\, Siân,OU=People,DC=example,DC=org"  # how AD writes manager
    assert normalise_dn(slapd) == normalise_dn(ad) == "cn=o'brien\\, siân," + BASE
    assert normalise_dn("cn=a+uid=b,ou=x") == "cn=a+uid=b,ou=x"  # a multi-valued RDN
    assert normalise_dn("not a dn") == "not a dn"
    assert normalise_dn("cn=x,garbage") == "cn=x,garbage"  # unparsable: compared as it is
