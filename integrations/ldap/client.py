"""Connections and paged searches, with every failure turned into one readable DirectoryError.

A search either returns every entry or raises: a size or time limit, a referral or a lost
connection must never look like a shorter staff list."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from typing import Any

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import to_unicode

from integrations.ldap.settings import DirectorySettings

PAGED_RESULTS_CONTROL = "1.2.840.113556.1.4.319"
SEARCH_RESULT_ENTRY = 4  # protocolOp of searchResEntry in ldap3's fast decoder
RawEntry = tuple[str, dict[str, list[bytes]]]


class DirectoryError(Exception):
    """The directory could not be read completely; says what failed and what to check."""


class InvalidCredentials(DirectoryError):
    pass


_RESULT_ADVICE = {
    "sizeLimitExceeded": "the directory stopped the search at a size limit. The sync pages "
    "through results, so the limit is on the total a paged search may return: lift it for the "
    "sync account (OpenLDAP: size.prtotal in `limits`; AD: MaxResultSetSize)",
    "timeLimitExceeded": "the directory stopped the search at its time limit: raise the time "
    "limit for the sync account on the server (OpenLDAP: time in `limits`; AD: "
    "MaxQueryDuration)",
    "noSuchObject": "LDAP_BASE_DN does not exist on the directory server: check its spelling",
    "insufficientAccessRights": "the sync account may not read there: grant LDAP_BIND_DN read "
    "access to LDAP_BASE_DN",
    "unwillingToPerform": "the directory refused the request: check LDAP_BIND_DN, "
    "LDAP_STARTTLS and the server's settings for simple binds",
    "referral": "the directory sent a referral to another server: point LDAP_URL at the "
    "server that holds LDAP_BASE_DN (AD: a global catalog, port 3268 or 3269)",
}


def _tls(settings: DirectorySettings) -> ldap3.Tls:
    """Certificates are always verified; LDAP_CA_FILE adds a private CA to trust."""
    return ldap3.Tls(validate=ssl.CERT_REQUIRED, version=ssl.PROTOCOL_TLS_CLIENT,
                     ca_certs_file=settings.ca_file or None)


def _raw_values_only(conn: ldap3.Connection) -> None:
    """Have this connection decode search entries to raw values only, by lower-case name.

    ldap3 decodes every entry twice, to raw bytes and to formatted strings in case-insensitive
    dicts; the sync reads only the bytes, and over a 100,000-entry sweep the second decoding is
    a fifth of the time. This replaces ldap3's fast decoder for search entries on this
    connection, reading its BER tree as ldap3's own raw_attributes_to_dict_fast does (ldap3 is
    pinned; every directory test goes through here)."""
    decode = conn.strategy.decode_response_fast

    def decode_response_fast(message: dict[str, Any]) -> dict[str, Any]:
        if message["protocolOp"] != SEARCH_RESULT_ENTRY:
            return decode(message)
        raw_dn, attributes = message["payload"][0][3], message["payload"][1][3]
        try:
            dn = raw_dn.decode("utf-8")
        except UnicodeDecodeError:  # AD can hold a DN in a legacy code page; ldap3 knows which
            dn = to_unicode(raw_dn, from_server=True)
        return {"type": "searchResEntry", "dn": dn, "raw_dn": raw_dn, "attributes": {},
                "raw_attributes": {
                    bytes(attribute[3][0][3]).decode("utf-8").lower():
                        [bytes(value[3]) for value in attribute[3][1][3]]
                    for attribute in attributes}}

    conn.strategy.decode_response_fast = decode_response_fast


def close_quietly(conn: ldap3.Connection) -> None:
    """Unbind without letting a dead socket's error replace the one that matters."""
    with contextlib.suppress(ldap_errors.LDAPException, OSError):
        conn.unbind()


def _open(settings: DirectorySettings, bind_dn: str, password: str) -> ldap3.Connection:
    """The first server in LDAP_URL that answers: the listed order is the order of preference.

    (ldap3's ServerPool would do this too, but sleeps ten seconds after a failed round.)"""
    failures = []
    for url in settings.urls:
        try:
            server = ldap3.Server(url, get_info=ldap3.NONE, connect_timeout=settings.timeout,
                                  tls=_tls(settings))
            conn = ldap3.Connection(
                server, user=bind_dn or None, password=password or None,
                receive_timeout=settings.timeout, read_only=True, auto_referrals=False,
                raise_exceptions=False, return_empty_attributes=False,
            )
        except ldap_errors.LDAPException as exc:  # a malformed URL, port or CA file
            raise DirectoryError(f"cannot use LDAP_URL {url!r} with LDAP_CA_FILE "
                                 f"{settings.ca_file or '(system CAs)'}: {exc}") from None
        _raw_values_only(conn)
        try:
            conn.open()
            return conn
        except ldap_errors.LDAPSocketOpenError as exc:
            failures.append(f"{url}: {exc}")
    raise explain(ldap_errors.LDAPSocketOpenError("; ".join(failures)), settings)


def connect(settings: DirectorySettings, user: str | None = None,
            password: str | None = None) -> ldap3.Connection:
    """Open, StartTLS when asked, bind (as the service account unless a user is given)."""
    bind_dn = settings.bind_dn if user is None else user
    bind_password = settings.bind_password if user is None else password
    conn = _open(settings, bind_dn, bind_password or "")
    try:
        if settings.starttls and not conn.server.ssl and not conn.start_tls():
            raise DirectoryError(f"StartTLS with {conn.server.host} failed "
                                 f"({conn.result.get('description')}): check LDAP_STARTTLS "
                                 "and that the server offers it")
        if not conn.bind():
            result = conn.result.get("description", "")
            who = "the sync account LDAP_BIND_DN" if user is None else "the user"
            if result == "invalidCredentials":
                raise InvalidCredentials(
                    f"the directory refused the password for {who} (invalidCredentials): "
                    "check LDAP_BIND_DN and LDAP_BIND_PASSWORD")
            raise DirectoryError(f"the directory refused to bind {who} ({result}): "
                                 "check LDAP_BIND_DN, LDAP_BIND_PASSWORD and LDAP_STARTTLS")
    except ldap_errors.LDAPException as exc:
        close_quietly(conn)
        raise explain(exc, settings) from None
    except DirectoryError:
        close_quietly(conn)
        raise
    return conn


def explain(exc: Exception, settings: DirectorySettings) -> DirectoryError:
    """One sentence for an ldap3 exception: what failed and what to check."""
    where = " ".join(settings.urls)
    if isinstance(exc, DirectoryError):
        return exc
    if isinstance(exc, ldap_errors.LDAPSocketOpenError):
        if "certificate" in str(exc).lower() or "ssl" in str(exc).lower():
            return DirectoryError(f"TLS with the directory at {where} failed ({exc}): check "
                                  "LDAP_CA_FILE and the server's certificate and host name")
        return DirectoryError(f"cannot reach the directory at {where} ({exc}): check LDAP_URL, "
                              "that the server is up, and the network between")
    if isinstance(exc, ldap_errors.LDAPStartTLSError | ldap_errors.LDAPSSLConfigurationError):
        return DirectoryError(f"TLS with the directory at {where} failed ({exc}): check "
                              "LDAP_CA_FILE, LDAP_STARTTLS and the server's certificate")
    if isinstance(exc, ldap_errors.LDAPResponseTimeoutError) or "timed out" in str(exc):
        return DirectoryError(f"the directory at {where} did not answer within "
                              f"LDAP_TIMEOUT={settings.timeout} s: check the server's load, "
                              "or raise LDAP_TIMEOUT")
    lost = ldap_errors.LDAPCommunicationError | ldap_errors.LDAPSessionTerminatedByServerError
    if isinstance(exc, lost):
        return DirectoryError(f"the connection to the directory at {where} was lost ({exc}): "
                              "check the server and the network, then run again")
    return DirectoryError(f"the directory at {where} failed: {exc}")


def _result_error(conn: ldap3.Connection, what: str, read: int) -> DirectoryError:
    result = conn.result or {}
    code = result.get("description", "error")
    advice = _RESULT_ADVICE.get(code, "check the directory server's log")
    message = result.get("message") or ""
    return DirectoryError(f"{what} ended with {code} after {read} entries"
                          f"{f' ({message})' if message else ''}: {advice}")


def paged_search(conn: ldap3.Connection, settings: DirectorySettings, search_filter: str,
                 attributes: list[str]) -> Iterator[RawEntry]:
    """Every matching entry under LDAP_BASE_DN as (dn, raw values by lower-case attribute
    name), page by page."""
    cookie: bytes | None = None
    read = 0
    what = f"the search {search_filter} under {settings.base_dn}"
    try:
        while True:
            conn.search(settings.base_dn, search_filter, ldap3.SUBTREE, attributes=attributes,
                        paged_size=settings.page_size, paged_cookie=cookie)
            if conn.result.get("result") != 0:
                raise _result_error(conn, what, read)
            for entry in conn.response or ():
                if entry["type"] == "searchResRef":
                    where = ", ".join(entry.get("uri") or []) or "another server"
                    raise DirectoryError(f"{what} met a referral to {where}: "
                                         + _RESULT_ADVICE["referral"])
                if entry["type"] == "searchResEntry":
                    read += 1
                    yield entry["dn"], entry["raw_attributes"]
            control: dict[str, Any] = (conn.result.get("controls") or {}).get(
                PAGED_RESULTS_CONTROL) or {}
            cookie = (control.get("value") or {}).get("cookie")
            if not cookie:
                return
    except ldap_errors.LDAPException as exc:
        raise explain(exc, settings) from None


def read_root_dse(conn: ldap3.Connection, settings: DirectorySettings,
                  attributes: list[str]) -> dict[str, str]:
    """Server facts an incremental sync relies on (AD: dsServiceName, highestCommittedUSN), by
    the names asked for."""
    try:
        conn.search("", "(objectClass=*)", ldap3.BASE, attributes=attributes)
    except ldap_errors.LDAPException as exc:
        raise explain(exc, settings) from None
    if conn.result.get("result") != 0 or not conn.response:
        return {}
    raw = conn.response[0].get("raw_attributes") or {}
    return {name: raw[name.lower()][0].decode("utf-8", "replace")
            for name in attributes if raw.get(name.lower())}
