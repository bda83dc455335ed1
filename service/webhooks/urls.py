"""Which addresses a webhook may go to: `https` only, to a host whose every address is on the
public internet, unless WEBHOOKS_ALLOW_PRIVATE allows plain `http` and private addresses (a
test or a closed network). Checked when an endpoint is registered and again before each
delivery, since a name's DNS answer can change (docs/security.md, "Webhooks")."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from service.errors import InvalidInput

MAX_URL = 2000
#: the kinds of range `range_name` names, in words for the refusal's reader
RANGE_WORDS = {"unspecified": _l("unspecified"), "loopback": _l("loopback"),
               "link-local": _l("link-local"), "multicast": _l("multicast"),
               "private": _l("private"), "reserved": _l("reserved"),
               "non-public": _l("non-public")}
Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Target:
    """A checked address: where to connect (``addresses``, every one checked, in the
    resolver's order) and what to call it (``host``)."""

    scheme: str
    host: str
    port: int
    target: str  #: path and query
    addresses: tuple[str, ...]


def resolve(host: str, port: int) -> list[str]:
    """Every address the name has (IPv4 and IPv6)."""
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM)))


def range_name(address: str) -> str | None:
    """Why an address is not public (the kind of range), or None when it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for name, test in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                       ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                       ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if test:
            return name
    return None if ip.is_global else "non-public"


def check_url(url: str, *, allow_private: bool | None = None,
              resolver: Resolver | None = None) -> Target:
    """The checked target for ``url``, or InvalidInput naming the problem and the fix."""
    if allow_private is None:
        allow_private = current_app.config["WEBHOOKS_ALLOW_PRIVATE"]
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme not in ("https", "http") or not parts.hostname
            or len(url) > MAX_URL):
        raise InvalidInput(_l("enter the receiver's full address, up to %(max)d characters, "
                              "starting https://, such as https://appraisal.example.nhs.uk/"
                              "hooks/feedback360", max=MAX_URL))
    if parts.scheme != "https" and not allow_private:
        raise InvalidInput(_l("the address must start https://: deliveries go only over TLS "
                              "(plain http is allowed only with WEBHOOKS_ALLOW_PRIVATE, for "
                              "tests)"))
    if parts.username or parts.password:
        raise InvalidInput(_l("leave the user name and password out of the address: the "
                              "signature tells the receiver the delivery is genuine"))
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = (resolver or resolve)(host, port)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise InvalidInput(_l("the host %(host)s cannot be found in DNS; check the address",
                              host=host))
    if not allow_private:
        for address in addresses:
            kind = range_name(address)
            if kind is not None:
                raise InvalidInput(_l(
                    "%(host)s is at %(address)s, which is not on the internet (%(kind)s): "
                    "webhooks go only to public addresses; use the receiver's public address "
                    "(or set WEBHOOKS_ALLOW_PRIVATE on a closed network)",
                    host=host, address=address, kind=RANGE_WORDS[kind]))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, target, tuple(addresses))
