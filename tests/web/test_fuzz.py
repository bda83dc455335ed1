"""Whatever a client sends to whatever route, the answer is never a 5xx.

Requests are drawn at random for every rule of `app.url_map` (and for paths that match none):
any method, path arguments, query strings, form or raw bodies, a bad Content-Type, odd
Accept-Language and cookies; half go to an app without CSRF, so that bodies get past it. A
second run aims at the rating form behind a real personal link with arbitrary answers.
TESTING propagates exceptions, so a crash fails loudly."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update
from werkzeug.datastructures import MultiDict

from service.db import db
from service.nominations.models import Invitation, InvitationStatus
from service.responses.models import Response
from tests.factories import launched_cycle

METHODS = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"]
# Text a client library could put in a URL or form: any code point but lone surrogates, which
# cannot be encoded as UTF-8 and so cannot arrive over HTTP.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# What may stand in a header value: Latin-1 without CR and LF.
HEADER = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)
NUMBERS = (st.from_regex(r"\A-?[0-9]{1,20}\Z") | st.integers().map(str)
           | st.tuples(st.sampled_from("0159"), st.integers(4290, 6000)).map(lambda t: t[0] * t[1]))
CONTENT_TYPES = st.sampled_from([
    None, "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=x",
    "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=B",
    "text/plain", "application/json", "application/octet-stream", "", ";;=",
]) | HEADER
LANGUAGES = st.sampled_from(["cy", "en-GB,en;q=0.9", "cy;q=abc", "*", "zz-ZZ", ";q=1", ""]) | HEADER
VALUES = (TEXT | NUMBERS | st.sampled_from(["save", "submit", "decline", "na", "3"])
          | st.text(min_size=3990, max_size=4100))
COOKIES = st.sampled_from([
    "session=garbage", "session=.eJyrVkrOz0vLTC9RsgLSRZnxSsoKCcVKtQA.Z.x", "session=" + "A" * 5000,
    'session="\\x00"', "=; ;=", "session=e30.ZZZ.bad",
]) | HEADER


def _headers(draw: Any) -> dict[str, str]:
    return {name: draw(strategy) for name, strategy in (
        ("Accept-Language", LANGUAGES), ("Cookie", COOKIES), ("Accept", HEADER),
        ("X-Forwarded-For", HEADER)) if draw(st.booleans())}


def _fill(rule: str, tokens: list[str], pick: Any) -> str:
    """A path for `rule`, each <argument> from `pick(choices)`: a real token, a valid word..."""
    def argument(match: re.Match[str]) -> str:
        name = match.group(1)
        if "token" in name:
            choices = tokens
        elif name.startswith("any("):
            choices = re.findall(r"\w+", name.split(":")[0])[1:]
        elif name.startswith("path:"):
            choices = ["app.css", "../app.py", "app.css/..", "%2e%2e/x"]
        elif name.startswith("int:"):  # the console's ids: one that exists, ones that do not
            choices = ["1", "0", "999999999"]
        elif name.startswith("id:"):  # the API's ids (32-bit; larger ones do not route)
            choices = ["1", "2147483647", "0", str(10**30)]
        else:
            choices = ["x"]
        return quote(pick(choices), safe="/%")
    return re.sub(r"<([^>]+)>", argument, rule)


def _form_fields(rubric: dict[str, Any]) -> list[str]:
    return ([f"item-{i['id']}" for s in rubric["sections"] for i in s["items"]]
            + [f"question-{q['id']}" for q in rubric["questions"]] + ["action", "csrf_token"])


@pytest.fixture
def targets(make_app: Any, app: Flask) -> tuple[list[Flask], list[str], dict[str, Any]]:
    _, tokens, _ = launched_cycle()
    rubric = db.session.scalar(db.select(Invitation)).nomination.subject.cycle.rubric_snapshot
    return [app, make_app(WTF_CSRF_ENABLED=False)], list(tokens.values()), rubric


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_request_to_any_route_gets_a_server_error(targets: Any, data: Any) -> None:
    apps, tokens, rubric = targets
    db.session.execute(update(Invitation).values(status=InvitationStatus.PENDING, draft=None))
    db.session.execute(delete(Response))
    db.session.commit()
    app = data.draw(st.sampled_from(apps))
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    path = data.draw(st.sampled_from(rules).map(lambda rule: _fill(
        rule, tokens, lambda choices: data.draw(st.sampled_from(choices) | TEXT)))
        | TEXT.map(lambda t: "/" + quote(t, safe="/%")))
    query = data.draw(st.lists(st.tuples(TEXT, TEXT | NUMBERS), max_size=4))
    headers = _headers(data.draw)
    body = data.draw(st.one_of(
        st.none(), st.binary(max_size=300),
        st.lists(st.tuples(st.sampled_from(_form_fields(rubric)) | TEXT, VALUES),
                 max_size=50).map(lambda pairs: urlencode(pairs).encode()),
    ))
    content_type = data.draw(CONTENT_TYPES)
    if content_type is not None:
        headers["Content-Type"] = content_type
    elif body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    response = app.test_client().open(
        path, method=data.draw(st.sampled_from(METHODS)), query_string=urlencode(query),
        data=body, headers=headers)
    assert response.status_code < 500, (path, response.status_code)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_rating_form_gets_a_server_error(targets: Any, data: Any) -> None:
    apps, tokens, rubric = targets
    db.session.execute(update(Invitation).values(status=InvitationStatus.PENDING, draft=None))
    db.session.execute(delete(Response))
    db.session.commit()
    fields = _form_fields(rubric)
    answers = data.draw(st.dictionaries(st.sampled_from(fields), VALUES, max_size=len(fields)))
    extra = data.draw(st.lists(st.tuples(TEXT, VALUES), max_size=3))
    response = apps[1].test_client().post(
        f"/r/{data.draw(st.sampled_from(tokens))}", data=MultiDict([*answers.items(), *extra]),
        headers=_headers(data.draw))
    assert response.status_code < 500, response.status_code


def test_the_fuzz_reaches_every_route(targets: Any) -> None:
    """A route added later is fuzzed too: each rule's path, filled in, routes to that rule."""
    apps, tokens, _ = targets
    adapter = apps[0].url_map.bind("feedback.test")
    for rule in apps[0].url_map.iter_rules():
        method = next(m for m in sorted(rule.methods or ()) if m not in {"HEAD", "OPTIONS"})
        path = _fill(rule.rule, tokens, lambda choices: choices[0])
        assert adapter.match(path, method=method)[0] == rule.endpoint, rule.rule

