"""What Active Directory and OpenLDAP call the things a person sync needs.

Each field can be overridden one by one (LDAP_ATTR_EMAIL=mail, ...); the filters by
LDAP_USER_FILTER and LDAP_DISABLED_FILTER."""

from __future__ import annotations

from dataclasses import dataclass

# Person field -> directory attribute. `id` is the stable key: it survives renames and moves.
FIELDS = ("id", "username", "email", "given_name", "family_name", "display_name", "title",
          "department", "manager", "language")

# Active Directory's "account disabled" flag (ACCOUNTDISABLE, bit value 2) with the bitwise-AND
# matching rule, LDAP_MATCHING_RULE_BIT_AND.
AD_DISABLED_FILTER = "(userAccountControl:1.2.840.113556.1.4.803:=2)"


@dataclass(frozen=True)
class Preset:
    name: str
    user_filter: str
    disabled_filter: str | None
    attributes: dict[str, str]
    # How the stable key is encoded: AD's objectGUID is 16 bytes in little-endian GUID order.
    id_format: str
    # The attribute an incremental sync filters on, and whether it is a counter local to one
    # server (AD's uSNChanged) or a timestamp replicated with the entry (modifyTimestamp).
    change_attribute: str
    change_is_server_counter: bool


_COMMON = {"email": "mail", "given_name": "givenName", "family_name": "sn",
           "display_name": "displayName", "title": "title", "manager": "manager",
           "language": "preferredLanguage"}

PRESETS = {
    "ad": Preset(
        name="ad",
        user_filter="(&(objectCategory=person)(objectClass=user))",
        disabled_filter=AD_DISABLED_FILTER,
        attributes={**_COMMON, "id": "objectGUID", "username": "sAMAccountName",
                    "department": "department"},
        id_format="guid",
        change_attribute="uSNChanged",
        change_is_server_counter=True,
    ),
    "openldap": Preset(
        name="openldap",
        user_filter="(objectClass=inetOrgPerson)",
        disabled_filter=None,
        attributes={**_COMMON, "id": "entryUUID", "username": "uid",
                    "department": "departmentNumber"},
        id_format="text",
        change_attribute="modifyTimestamp",
        change_is_server_counter=False,
    ),
}
