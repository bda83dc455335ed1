"""Deliver rendered emails: over SMTP with one reused connection per batch, or into files.

Returns plain results and raises plain exceptions; knows nothing about the database."""

from __future__ import annotations

import os
import smtplib
import ssl
import textwrap
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from types import TracebackType
from typing import Protocol


class TemporaryFailure(Exception):
    """Try again later: 4xx, refused connection, timeout."""


class ConnectionLost(TemporaryFailure):
    """The connection broke (or the server closed it with 421) while sending: the message in
    flight may be at fault, the ones behind it are not, and they need a new connection."""


class PermanentFailure(Exception):
    """The server refused this message for good (5xx); retrying will not help."""


class _Subject(UnstructuredHeader):
    """A subject that never folds onto an empty first line.

    The standard library moves a whole ASCII value that fits on a line of its own onto the next
    line, leaving ``Subject:`` alone on the first (a subject of 70 to 77 characters); some
    clients then show it with a leading space or not at all. Such a value is wrapped at spaces
    instead. Non-ASCII values are encoded words, which fold correctly."""

    def fold(self, *, policy: object) -> str:
        folded = super().fold(policy=policy)
        linesep = getattr(policy, "linesep", "\n")
        if folded.split(linesep, 1)[0].strip() != f"{self.name}:":
            return folded
        value = " ".join(str(self).split())
        width = getattr(policy, "max_line_length", None) or 78
        lines = textwrap.wrap(value, width=width, initial_indent=f"{self.name}: ",
                              subsequent_indent=" ", break_long_words=False,
                              break_on_hyphens=False)
        return linesep.join(lines) + linesep


_headers = HeaderRegistry()
_headers.map_to_type("subject", _Subject)
POLICY = default_policy.clone(header_factory=_headers)


def sender_domain(sender: str) -> str:
    """The domain of a sender address (``"Name" <od@trust.example>`` -> ``trust.example``)."""
    return parseaddr(sender)[1].rpartition("@")[2]


def build_message(sender: str, recipient: str, subject: str, text: str, html: str | None,
                  message_id: str | None = None) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain=sender_domain(sender) or None)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


class Sender(Protocol):
    def __enter__(self) -> Sender: ...
    def __exit__(self, *exc: object) -> None: ...
    def send(self, message: EmailMessage) -> None: ...


class SMTPSender:
    """One SMTP connection for a whole batch; errors are sorted into temporary and permanent."""

    def __init__(self, host: str, port: int, user: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 30, ca_file: str | None = None):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.timeout, self.ca_file = starttls, timeout, ca_file
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SMTPSender:
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=self.ca_file))
            if self.user:
                smtp.login(self.user, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentFailure(f"SMTP login refused for SMTP_USER ({exc.smtp_code})") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(
                f"cannot reach SMTP server {self.host}:{self.port} ({exc.__class__.__name__}: "
                f"{exc}); check SMTP_HOST/SMTP_PORT") from None
        self._smtp = smtp
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        assert self._smtp is not None, "use SMTPSender as a context manager"
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentFailure(f"the server cannot take this message: {exc}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            raise _classify(code, reason) from None
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPServerDisconnected) as exc:  # a timeout is an OSError
            raise ConnectionLost(f"connection lost ({exc.__class__.__name__})") from None
        if refused:
            code, reason = next(iter(refused.values()))
            raise _classify(code, reason)


def _classify(code: int, reason: bytes | str) -> Exception:
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    if code == 421:  # the server is closing the connection (smtplib has closed its end)
        return ConnectionLost(f"{code} {text}")
    if 400 <= code < 500:
        return TemporaryFailure(f"{code} {text}")
    return PermanentFailure(f"{code} {text}")


class FileSender:
    """Writes each message as an .eml file: for the demo and for looking at mail without SMTP."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    def __enter__(self) -> FileSender:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: EmailMessage) -> None:
        name = message["Message-ID"].strip("<>").replace("/", "_").replace("@", "_at_")
        # Readable by the service's user only: messages carry personal links.
        fd = os.open(self.directory / f"{name}.eml", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(bytes(message))
