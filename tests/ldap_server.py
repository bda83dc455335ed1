"""A real OpenLDAP server (Debian's slapd) on a free loopback port, for the tests and the bench.

Two flavours: `openldap` (inetOrgPerson, entryUUID, modifyTimestamp) and `ad`, which loads
Active Directory's user schema (msuser.schema, after nis.schema). The shipped msuser.schema leaves
out the matching rules AD has for objectCategory, uSNChanged, sAMAccountName, objectGUID and
userAccountControl, so a patched copy adds them; the rwm overlay expands `(objectCategory=person)`
to the category's DN as AD does. uSNChanged is kept by this helper, as a DC would keep it.

The sync account is held to a size limit of 1000 entries per search, like AD's MaxPageSize: only a
paged search reads past it. A second account ("capped") is also held to 1100 entries in all,
so a paged search is cut short. The root DN, which ignores limits, is for loading data only.

Optional: TLS (`tls=CertificateAuthority(...)`: StartTLS on the plain port, and an ldaps://
port, with a certificate for `localhost` from a throwaway CA), and, for `ad`, the root DSE a domain
controller publishes (`dc_name=`: dsServiceName and highestCommittedUSN, read from a file at
start, so `restart()` moves the counter on or shows another DC).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import shutil
import socket
import ssl
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ldap3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ldap3.utils.dn import escape_rdn
from ldif import LDIFWriter

SCHEMA_DIR = Path("/etc/ldap/schema")
SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret"
SYNC_DN = f"cn=sync,ou=services,{SUFFIX}"
SYNC_PASSWORD = "sync-secret"
CAPPED_DN = f"cn=capped,ou=services,{SUFFIX}"
PEOPLE_BASE = f"ou=people,{SUFFIX}"
OUTSIDE_BASE = f"ou=contractors,{SUFFIX}"
PERSON_CATEGORY = f"CN=Person,CN=Schema,CN=Configuration,{SUFFIX}"
LOADED_AT = dt.datetime(2025, 1, 1)
AD_MATCHING_RULES = {
    "objectCategory": "EQUALITY caseIgnoreMatch",
    "uSNChanged": "EQUALITY integerMatch ORDERING integerOrderingMatch",
    "sAMAccountName": "EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch",
    "objectGUID": "EQUALITY octetStringMatch",
    "userAccountControl": "EQUALITY integerMatch",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slapd_missing() -> str | None:
    """Why slapd cannot run here, or None."""
    if shutil.which("slapd") is None and not Path("/usr/sbin/slapd").exists():
        return "slapd is not installed: run `make system-deps` (or apt-get install slapd)"
    return None


@dataclass
class Person:
    """What a test or the bench puts in the directory."""

    uid: str
    given_name: str
    family_name: str
    email: str | None = None
    title: str = ""
    department: str = ""
    manager: Person | None = None
    language: str = ""
    disabled: bool = False
    base: str = PEOPLE_BASE
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cn(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    @property
    def dn(self) -> str:
        return f"cn={escape_rdn(self.cn)},{self.base}"

    @property
    def guid(self) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"feedback360-test:{self.uid}")


class CertificateAuthority:
    """A throwaway certificate authority and one server certificate it signed, as PEM files."""

    def __init__(self, workdir: Path, names: Iterable[str] = ("localhost",)) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "feedback360 test CA")])
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(hours=1))
              .not_valid_after(now + dt.timedelta(days=1))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                           False), critical=True)
              .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        alt_names: list[x509.GeneralName] = []
        for name in names:
            try:
                alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt_names.append(x509.DNSName(name))
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "directory")]))
                .issuer_name(ca_name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(hours=1))
                .not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
                .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        self.ca_file = workdir / "ca.pem"
        self.cert_file = workdir / "server.pem"
        self.key_file = workdir / "server.key"
        self.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_file.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))


class Slapd:
    def __init__(self, workdir: Path, flavour: str = "openldap", *,
                 tls: CertificateAuthority | None = None, dc_name: str | None = None) -> None:
        assert flavour in {"openldap", "ad"}
        assert dc_name is None or flavour == "ad"
        self.flavour = flavour
        self.workdir = workdir
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.tls = tls
        self.tls_port = free_port() if tls else None
        # The name the certificate carries: TLS is checked against it.
        self.ldaps_url = f"ldaps://localhost:{self.tls_port}" if tls else None
        self.starttls_url = f"ldap://localhost:{self.port}" if tls else None
        self.dc_name = dc_name
        self.process: subprocess.Popen[bytes] | None = None
        self.usn = 0

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, people: Iterable[Person] = ()) -> Slapd:
        """Load the tree offline with slapadd (fast), then serve it."""
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        ldif = self.workdir / "initial.ldif"
        with ldif.open("wb") as handle:
            writer = LDIFWriter(handle)
            for dn, attributes in self._base_entries():
                writer.unparse(dn, _encode(attributes))
            for number, person in enumerate(people):
                # Distinct past modifyTimestamps, as a directory in use has: an incremental sync
                # then reads only what a test changes (plus the newest old entry, see sync.py).
                stamp = LOADED_AT + dt.timedelta(seconds=number)
                attributes = {**self.attributes(person),
                              "modifyTimestamp": stamp.strftime("%Y%m%d%H%M%SZ")}
                writer.unparse(person.dn, _encode(attributes))
        subprocess.run(["slapadd", "-q", "-f", str(config), "-l", str(ldif)], check=True,
                       capture_output=True)
        self._serve()
        return self

    def restart(self, dc_name: str | None = None, highest_usn: int | None = None) -> None:
        """Stop and serve the same data again; on an AD DC, publish the current update counter
        (or `highest_usn`, as after a restore) and optionally another DC's name."""
        self.stop()
        if dc_name is not None:
            self.dc_name = dc_name
        self._serve(highest_usn)

    def _serve(self, highest_usn: int | None = None) -> None:
        config = self.workdir / "slapd.conf"
        self._write_root_dse(highest_usn)
        urls = f"{self.url}/" + (f" ldaps://127.0.0.1:{self.tls_port}/" if self.tls else "")
        self.process = subprocess.Popen(["slapd", "-f", str(config), "-h", urls, "-d", "0"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_until_listening()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def __enter__(self) -> Slapd:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"slapd exited with {self.process.returncode}")
            try:
                for port in (self.port, self.tls_port):
                    if port is not None:
                        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)  # polling for a server to come up, not timing a test
        raise RuntimeError("slapd did not start listening within 15 s")

    # -- configuration -----------------------------------------------------------------------

    def _write_root_dse(self, highest_usn: int | None = None) -> None:
        if self.dc_name:
            (self.workdir / "rootdse.ldif").write_text(
                f"dn:\ndsServiceName: CN=NTDS Settings,CN={self.dc_name},CN=Servers,"
                f"CN=Default-First-Site-Name,CN=Sites,CN=Configuration,{SUFFIX}\n"
                f"highestCommittedUSN: {self.usn if highest_usn is None else highest_usn}\n")

    def _write_config(self) -> Path:
        schemas = ["core", "cosine", "inetorgperson", "nis"]
        includes = [f"include {SCHEMA_DIR / name}.schema" for name in schemas]
        overlay = ""
        extra: list[str] = []
        if self.flavour == "ad":
            patched = self.workdir / "msuser.schema"
            patched.write_text(_patched_msuser_schema())
            includes.append(f"include {patched}")
            if self.dc_name:
                self._write_root_dse()
                extra.append(f"rootDSE {self.workdir / 'rootdse.ldif'}")
            overlay = (
                "overlay rwm\nrwm-rewriteEngine on\nrwm-rewriteContext searchFilter\n"
                'rwm-rewriteRule "^(.*)[(]objectCategory=person[)](.*)$" '
                f'"%1(objectCategory={PERSON_CATEGORY})%2" ":"\n'
            )
        path = self.workdir / "slapd.conf"
        path.write_text("\n".join([
            *includes,
            "modulepath /usr/lib/ldap",
            "moduleload back_mdb",
            "moduleload rwm",
            f"pidfile {self.workdir / 'slapd.pid'}",
            *extra,
            # With TLS, every operation but StartTLS itself needs it: a client that skipped
            # StartTLS is refused rather than quietly served in clear.
            *([f"TLSCACertificateFile {self.tls.ca_file}",
               f"TLSCertificateFile {self.tls.cert_file}",
               f"TLSCertificateKeyFile {self.tls.key_file}",
               "security tls=1"] if self.tls else []),
            "database mdb",
            "maxsize 4294967296",
            f'suffix "{SUFFIX}"',
            f'rootdn "{ROOT_DN}"',
            f"rootpw {ROOT_PASSWORD}",
            f"directory {self.workdir / 'data'}",
            "index objectClass,entryUUID,uid,mail eq",
            "index modifyTimestamp eq",
            *(["index sAMAccountName,uSNChanged eq"] if self.flavour == "ad" else []),
            f'limits dn.exact="{SYNC_DN}" size.soft=1000 size.hard=1000 size.prtotal=unlimited',
            f'limits dn.exact="{CAPPED_DN}" size.soft=1000 size.hard=1000 size.prtotal=1100',
            "access to attrs=userPassword by anonymous auth by * none",
            "access to * by users read by * none",
            overlay,
        ]) + "\n")
        return path

    def _base_entries(self) -> Iterator[tuple[str, dict[str, Any]]]:
        yield SUFFIX, {"objectClass": ["dcObject", "organization"], "o": "Example",
                       "dc": "example"}
        for ou in ("services", "people", "contractors"):
            yield f"ou={ou},{SUFFIX}", {"objectClass": ["organizationalUnit"], "ou": ou}
        for dn, password in ((SYNC_DN, SYNC_PASSWORD), (CAPPED_DN, SYNC_PASSWORD)):
            yield dn, {"objectClass": ["person"], "cn": dn.split(",")[0][3:], "sn": "service",
                       "userPassword": password}

    # -- entries -----------------------------------------------------------------------------

    def attributes(self, person: Person, password: str | None = None) -> dict[str, Any]:
        """The entry for a person in this flavour's schema."""
        attrs: dict[str, Any] = {
            "cn": person.cn, "sn": person.family_name, "givenName": person.given_name,
            "displayName": f"{person.given_name} {person.family_name}",
        }
        optional = {"mail": person.email, "title": person.title,
                    "preferredLanguage": person.language,
                    "manager": person.manager.dn if person.manager else None}
        attrs.update({k: v for k, v in optional.items() if v})
        if password:
            attrs["userPassword"] = password
        if self.flavour == "ad":
            self.usn += 1
            attrs.update({
                "objectClass": ["top", "user", "extensibleObject"],
                "objectCategory": PERSON_CATEGORY, "instanceType": "4",
                "nTSecurityDescriptor": b"\x01\x00", "objectGUID": person.guid.bytes_le,
                "sAMAccountName": person.uid,
                "userAccountControl": "514" if person.disabled else "512",
                "uSNChanged": str(self.usn),
            })
            if person.department:
                attrs["department"] = person.department
        else:
            attrs.update({"objectClass": ["inetOrgPerson"], "uid": person.uid})
            if person.disabled:
                attrs["employeeType"] = "disabled"
            if person.department:
                attrs["departmentNumber"] = person.department
        attrs.update(person.extra)
        return attrs

    def connection(self) -> ldap3.Connection:
        if self.tls:
            tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.tls.ca_file))
            return ldap3.Connection(
                ldap3.Server(self.starttls_url, get_info=ldap3.NONE, tls=tls), ROOT_DN,
                ROOT_PASSWORD, auto_bind=ldap3.AUTO_BIND_TLS_BEFORE_BIND, raise_exceptions=True)
        return ldap3.Connection(ldap3.Server(self.url, get_info=ldap3.NONE), ROOT_DN,
                                ROOT_PASSWORD, auto_bind=True, raise_exceptions=True)

    def add(self, person: Person, password: str | None = None) -> None:
        with self.connection() as conn:
            attrs = self.attributes(person, password)
            conn.add(person.dn, attributes=attrs)

    def modify(self, person: Person, **changes: Any) -> None:
        """Replace attributes (None deletes one); on AD, bump uSNChanged as a DC would."""
        if self.flavour == "ad":
            self.usn += 1
            changes["uSNChanged"] = str(self.usn)
        with self.connection() as conn:
            conn.modify(person.dn, {
                name: [(ldap3.MODIFY_DELETE, []) if value is None
                       else (ldap3.MODIFY_REPLACE, value if isinstance(value, list) else [value])]
                for name, value in changes.items()
            })

    def move(self, person: Person, new_base: str) -> None:
        with self.connection() as conn:
            conn.modify_dn(person.dn, f"cn={escape_rdn(person.cn)}", new_superior=new_base)
        person.base = new_base
        if self.flavour == "ad":
            self.modify(person)

    def set_disabled(self, person: Person, disabled: bool) -> None:
        person.disabled = disabled
        if self.flavour == "ad":
            self.modify(person, userAccountControl="514" if disabled else "512")
        else:
            self.modify(person, employeeType="disabled" if disabled else None)

    def add_unit(self, dn: str) -> None:
        with self.connection() as conn:
            conn.add(dn, attributes={"objectClass": ["organizationalUnit"],
                                     "ou": dn.split(",")[0].split("=")[1]})

    def delete(self, person: Person) -> None:
        with self.connection() as conn:
            conn.delete(person.dn)


def _patched_msuser_schema() -> str:
    text = (SCHEMA_DIR / "msuser.schema").read_text()
    text = text.replace(  # AD matches objectCategory by DN; a string rule lets rwm expand it
        "NAME 'objectCategory'\n\tSYNTAX '1.3.6.1.4.1.1466.115.121.1.12'",
        "NAME 'objectCategory'\n\tSYNTAX '1.3.6.1.4.1.1466.115.121.1.15'")
    for name, rule in AD_MATCHING_RULES.items():
        text, count = re.subn(rf"(NAME '{name}'\n)", rf"\1\t{rule}\n", text)
        assert count == 1, name
    # What a DC's root DSE shows (AD computes them; OIDs from OpenLDAP's experimental arc).
    return text + (
        "\nattributetype ( 1.3.6.1.4.1.4203.666.11.360.1 NAME 'dsServiceName'\n"
        "\tEQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12\n"
        "\tSINGLE-VALUE )\n"
        "attributetype ( 1.3.6.1.4.1.4203.666.11.360.2 NAME 'highestCommittedUSN'\n"
        "\tEQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27\n"
        "\tSINGLE-VALUE )\n")


def _encode(attributes: dict[str, Any]) -> dict[str, list[bytes]]:
    encoded = {}
    for name, value in attributes.items():
        values = value if isinstance(value, list) else [value]
        encoded[name] = [v if isinstance(v, bytes) else str(v).encode() for v in values]
    return encoded


OPENLDAP_DISABLED_FILTER = "(employeeType=disabled)"


def app_settings(server: Slapd, **overrides: Any) -> dict[str, Any]:
    """The LDAP_* settings that point the service at this server as the sync account."""
    settings = {
        "LDAP_URL": server.url, "LDAP_BASE_DN": PEOPLE_BASE, "LDAP_PRESET": server.flavour,
        "LDAP_BIND_DN": SYNC_DN, "LDAP_BIND_PASSWORD": SYNC_PASSWORD, "LDAP_TIMEOUT": 10,
    }
    if server.flavour == "openldap":
        settings["LDAP_DISABLED_FILTER"] = OPENLDAP_DISABLED_FILTER
    return {**settings, **overrides}
