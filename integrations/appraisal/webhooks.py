"""Sign a webhook body and POST it to an address already checked by the caller.

The connection goes to the IP address that was checked, with the host name kept for the
`Host` header and for TLS (SNI and certificate check): a name whose DNS answer changes between
the check and the connection (DNS rebinding) cannot steer a delivery to another address.
Redirects are not followed, for the same reason. Returns plain data; knows nothing of the
database."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError

SIGNATURE_HEADER = "X-Feedback360-Signature"
TIMESTAMP_HEADER = "X-Feedback360-Timestamp"
EVENT_ID_HEADER = "X-Feedback360-Event-Id"
EVENT_TYPE_HEADER = "X-Feedback360-Event-Type"
USER_AGENT = "feedback360-webhooks/1"
#: how much of a receiver's answer is read (to end the exchange cleanly), never stored
READ_LIMIT = 1024


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


@dataclass(frozen=True)
class Answer:
    status: int | None  #: the HTTP status, or None when no answer came
    error: str | None  #: why it did not succeed, in one line (None for a 2xx)
    #: no connection was made (so nothing was sent): another address may be tried
    unconnected: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(*, scheme: str, host: str, addresses: Sequence[str], port: int, target: str,
         body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body`` as ``scheme://host:port/target`` to the first of ``addresses`` (the
    checked IPs, in the resolver's order) that takes the connection: a name with an IPv6
    address this machine cannot reach still gets its delivery over IPv4. Nothing is sent
    twice: the next address is tried only when no connection was made."""
    answer = Answer(None, "no address")
    for address in addresses:
        answer = _post_to(scheme=scheme, host=host, address=address, port=port, target=target,
                          body=body, headers=headers, timeout=timeout)
        if answer.status is not None or not answer.unconnected:
            break
    return answer


def _post_to(*, scheme: str, host: str, address: str, port: int, target: str, body: bytes,
             headers: dict[str, str], timeout: float) -> Answer:
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False,
               "maxsize": 1}
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(address, port, server_hostname=host,
                                           assert_hostname=host, cert_reqs="CERT_REQUIRED",
                                           **options)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    try:
        response = pool.urlopen("POST", target, body=body, redirect=False,
                                preload_content=False, assert_same_host=False,
                                headers={**headers, "Host": host_header,
                                         "Content-Type": "application/json",
                                         "User-Agent": USER_AGENT})
        try:
            response.read(READ_LIMIT)
        finally:
            response.release_conn()
    except (NewConnectionError, ConnectTimeoutError) as exc:
        return Answer(None, _reason(exc), unconnected=True)
    except HTTPError as exc:
        return Answer(None, _reason(exc))
    finally:
        pool.close()
    if 200 <= response.status < 300:
        return Answer(response.status, None)
    if 300 <= response.status < 400:
        return Answer(response.status, f"HTTP {response.status}: redirects are not followed; "
                                       "register the address the receiver redirects to")
    return Answer(response.status, f"HTTP {response.status} from the receiver")


def _reason(exc: Exception) -> str:
    """One line without the address's secrets or a traceback."""
    cause: BaseException = exc
    while isinstance(getattr(cause, "reason", None), BaseException):
        cause = cause.reason  # type: ignore[attr-defined]
    name = type(cause).__name__
    if "Timeout" in name or "timed out" in str(cause):
        return "no answer within the time limit (WEBHOOKS_TIMEOUT)"
    if "SSL" in name or "Certificate" in name:
        detail = next((getattr(e, "reason", None) for e in (cause, *cause.args, cause.__context__)
                       if isinstance(getattr(e, "reason", None), str)), None)
        return (f"TLS failed ({detail or name}): the receiver must serve https with a "
                "certificate valid for its name")
    if "Refused" in str(cause) or "NewConnectionError" in name:
        return "the connection was refused or could not be made"
    return f"the connection failed ({name})"
