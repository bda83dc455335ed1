"""Drive the rating form the way a browser without JavaScript would."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    match = CSRF.search(page.get_data(as_text=True))
    assert match, "the form carries a CSRF token"
    return match.group(1)


def full_answers(rubric: dict[str, Any], value: str = "4") -> dict[str, str]:
    form = {f"item-{item['id']}": value for s in rubric["sections"] for item in s["items"]}
    form[f"question-{rubric['questions'][0]['id']}"] = "Listens with real interest."
    return form


def post_form(client: FlaskClient, url: str, data: dict[str, str], action: str,
              token: str | None = None) -> Any:
    return client.post(url, data={**data, "action": action,
                                  "csrf_token": token or csrf_token(client, url)})
