"""The organisation's directory over LDAP (ldap3): settings, presets, connection, paged search."""
