"""What every API call goes through, in one decorator (`api_call`): the key, the rate limit,
the scope, the Idempotency-Key of a write, the audit row and the one commit.

* The key: `Authorization: Bearer <key>`; unknown, malformed, expired and revoked keys are all
  the same 401, so a client learns nothing about keys it does not hold.
* The rate limit: API_RATE_LIMIT per key, counted in RATELIMIT_STORAGE_URI like the other
  throttles (service/responses/throttle.py); past it, 429 with Retry-After.
* The scope: a key without the endpoint's scope gets 403 naming the scope it lacks.
* Audit: writes are recorded by their operations, with the key's name as the actor; reads
  and refusals get one `api.read` / `api.refused` row each. Every call commits once.
* Idempotency: a write sent with an `Idempotency-Key` keeps its answer in the same
  transaction as its change; a retry with the same key and the same request gets that answer
  back and does nothing; the same key with another request is refused (422). Two requests
  racing with one key: the second's commit fails on the unique key, is rolled back whole, and
  it answers with the first's answer.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, make_response, request
from flask_babel import force_locale
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from service.api.errors import ErrorSchema, error_response, http_error
from service.api.keys import authenticate
from service.api.models import ApiKey, IdempotentAnswer
from service.audit.operations import Actor, acting_as, record
from service.db import db, utcnow
from service.errors import DomainError, InvalidInput, NotFound
from service.responses.throttle import open_storage
from service.rubrics.loader import RubricError

F = TypeVar("F", bound=Callable[..., Any])
NAMESPACE = "api-key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255


class ApiThrottle:
    """Calls per key within API_RATE_LIMIT (e.g. "300 per minute"). A storage that cannot be
    reached lets calls through (logged), as the link throttle does."""

    def __init__(self, storage_uri: str, limit: str) -> None:
        try:
            self.item: RateLimitItem = parse(limit)
        except ValueError:
            raise ValueError(f"API_RATE_LIMIT: expected e.g. '300 per minute', not "
                             f"{limit!r}") from None
        self.strategy = FixedWindowRateLimiter(open_storage(storage_uri))

    def hit(self, key: ApiKey) -> int | None:
        """None if the call may go on; else the seconds until it may."""
        try:
            if self.strategy.hit(self.item, NAMESPACE, key.key_hash[:32]):
                return None
            reset = self.strategy.get_window_stats(self.item, NAMESPACE,
                                                   key.key_hash[:32]).reset_time
        except StorageError as exc:
            current_app.logger.warning("API throttle storage unavailable (%s); not throttling",
                                       type(exc.storage_error).__name__)
            return None
        return max(1, math.ceil(reset - time.time()))


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def _unauthorised() -> Response:
    return error_response(401, headers={"WWW-Authenticate": 'Bearer realm="feedback360"'})


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string):
        digest.update(part + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(saved: IdempotentAnswer) -> Response:
    response = current_app.response_class(saved.body, status=saved.status,
                                          mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _domain_error(error: DomainError) -> Response:
    code = ("not_found" if isinstance(error, NotFound)
            else "invalid_input" if isinstance(error, InvalidInput) else "conflict")
    return error_response(error.status_code, code, str(error), getattr(error, "field", None))


def api_call(blp: Blueprint, scope: str, *, write: bool = False) -> Callable[[F], F]:
    """Wrap a view of ``blp`` (put it right under `@blp.route`, so it runs before the body is
    validated) and document its key, scope and refusals in the OpenAPI document."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with force_locale("en"):  # programs read codes; people read one language here
                return _call(view, scope, write, args, kwargs)

        extra: dict[str, Any] = {}
        if write:
            extra["parameters"] = [{
                "in": "header", "name": IDEMPOTENCY_HEADER, "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
                "description": "a key of your choosing (a UUID): a retry with the same key "
                               "and request gets the first answer, and nothing is done twice"}]
        documented = blp.doc(**extra, security=[{"bearerAuth": []}],
                             description=(view.__doc__ or "").strip()
                             + f"\n\nScope: `{scope}`.")(wrapper)
        for status, what in ((401, "no key, or a key that is unknown, expired or revoked"),
                             (403, f"the key lacks the scope {scope}"),
                             (429, "too many calls with this key: see Retry-After")):
            documented = blp.alt_response(status, schema=ErrorSchema, description=what)(
                documented)
        return documented  # type: ignore[return-value]

    return decorate


def _call(view: Callable[..., Any], scope: str, write: bool, args: Any,
          kwargs: dict[str, Any]) -> Response:
    secret = _bearer()
    key = authenticate(secret) if secret else None
    if key is None:
        return _unauthorised()
    wait = current_app.extensions["api_throttle"].hit(key)
    if wait is not None:
        return error_response(429, headers={"Retry-After": str(wait)})
    g.api_key = key
    actor = Actor(f"API key {key.name}", None, request.remote_addr)
    where = f"{request.method} {request.full_path.rstrip('?')}"[:300]
    if scope not in key.scopes:
        with acting_as(actor):
            record("api.refused", "api_key", key.id, f"{where}: lacks scope {scope}")
        key.last_used_at = utcnow()
        db.session.commit()
        return error_response(403, "missing_scope",
                              f"this key does not have the scope {scope}; an admin can create "
                              "a key that has it (`feedback360 apikey create --scope …`)")
    idempotency = request.headers.get(IDEMPOTENCY_HEADER) if write else None
    fingerprint = ""
    if idempotency is not None:
        if not 0 < len(idempotency) <= MAX_IDEMPOTENCY_KEY or not idempotency.isprintable():
            return error_response(400, "invalid_idempotency_key",
                                  f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_IDEMPOTENCY_KEY} "
                                  "printable characters, such as a UUID",
                                  IDEMPOTENCY_HEADER)
        fingerprint = _fingerprint()
        saved = _saved_answer(key, idempotency)
        if saved is not None:
            return _answer_again(saved, fingerprint)
    with acting_as(actor):
        try:
            response = make_response(view(*args, **kwargs))
            refused = response.status_code >= 400
        except DomainError as exc:
            db.session.rollback()
            response, refused = _domain_error(exc), True
        except RubricError as exc:  # a cycle naming a rubric that is not there, or broken
            db.session.rollback()
            response = error_response(400, "invalid_input",
                                      "; ".join(str(problem) for problem in exc.problems),
                                      "rubric_id")
            refused = True
        except HTTPException as exc:  # the body or query did not validate, or a 404
            db.session.rollback()
            response, refused = http_error(exc), True
        if refused:
            record("api.refused", "api_key", key.id,
                   f"{where}: {response.status_code} {(response.get_json() or {}).get('code')}")
        elif not write:
            record("api.read", "api_key", key.id, where)
    key.last_used_at = utcnow()
    if idempotency is not None and response.status_code < 500:
        db.session.add(IdempotentAnswer(api_key_id=key.id, key=idempotency,
                                        fingerprint=fingerprint, status=response.status_code,
                                        body=response.get_data(as_text=True)))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        saved = _saved_answer(key, idempotency) if idempotency is not None else None
        if saved is None:
            raise
        return _answer_again(saved, fingerprint)  # a racing request with the key won
    return response


def _saved_answer(key: ApiKey, idempotency: str) -> IdempotentAnswer | None:
    return db.session.scalar(select(IdempotentAnswer).where(
        IdempotentAnswer.api_key_id == key.id, IdempotentAnswer.key == idempotency))


def _answer_again(saved: IdempotentAnswer, fingerprint: str) -> Response:
    if saved.fingerprint != fingerprint:
        return error_response(422, "idempotency_key_reused",
                              f"this {IDEMPOTENCY_HEADER} was used for another request; use "
                              "a new key for a new request", IDEMPOTENCY_HEADER)
    return _replay(saved)


