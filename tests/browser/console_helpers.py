"""What the HR console's browser tests share: signing in through the real sign-in page, the
settings that send the app's email to a test SMTP server, and the links in what arrived."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from tests.smtp_server import SMTPServer
from tests.staff_fixtures import PASSWORD

LINK = re.compile(r"http://feedback\.test(/r/[A-Za-z0-9_-]{43})")


def sign_in(page: Any, base: str, language: str = "en", email: str = "hana@example.org",
            password: str = PASSWORD) -> None:
    """Sign in through /sign-in in ``language`` (email or directory username, password)."""
    page.goto(f"{base}/language/{language}?next=/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").first.click()


def mail_settings(smtp: SMTPServer) -> dict[str, Any]:
    """App settings that make the relay deliver to ``smtp``."""
    return {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
            "MAIL_FROM": "od@test.example"}


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def rating_link(message: EmailMessage) -> str:
    """The personal /r/<token> path in an invitation or reminder."""
    found = LINK.search(body(message))
    assert found, "the email carries a personal link"
    return found.group(1)
