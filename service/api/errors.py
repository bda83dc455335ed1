"""Errors under /api are JSON for a program: a stable `code`, a `message` for a person, the
`field` at fault where there is one, and `errors` with every field's problems when the body or
query failed validation. Never an HTML page, never a traceback. The app's error handlers
(service/app.py) hand every error under /api here."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import fields
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from service.validation import Integer, Schema, String

#: The stable codes by HTTP status, for errors that carry no code of their own.
CODES = {
    400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid_input", 429: "rate_limited",
    500: "server_error", 503: "unavailable",
}
MESSAGES = {
    401: "send a valid, unexpired API key as 'Authorization: Bearer <key>'",
    404: "nothing here: check the address and the id",
    405: "this address does not take that method; the OpenAPI document at /api/v1/openapi.json "
         "lists what each takes",
    413: "the request body is too large",
    415: "send the body as JSON (Content-Type: application/json)",
    422: "the request did not validate: see errors",
    429: "too many requests with this key: wait for Retry-After seconds",
    500: "the service failed to answer; nothing was changed. Try again, and tell the service's "
         "administrators if it keeps happening",
    503: "the service is briefly unavailable; nothing was changed. Try again in a minute",
}


class ErrorSchema(Schema):
    """The error body (documentation only: errors are written by `error_response`)."""

    status = Integer(required=True, metadata={"description": "the HTTP status"})
    code = String(required=True, metadata={"description": "stable, for programs: not_found, "
                                           "invalid_input, forbidden…"})
    message = String(required=True, metadata={"description": "for a person"})
    field = String(allow_none=True, metadata={"description": "the field at fault, if one"})
    errors = fields.Dict(metadata={"description": "every field's problems, by location and field"})


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, code: str | None = None, message: str | None = None,
                   field: str | None = None, errors: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "code": code or CODES.get(status, "error"),
                            "message": message or MESSAGES.get(status, "the request failed"),
                            "field": field}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _first_field(messages: Any) -> str | None:
    """webargs' {"json": {"name": ["…"]}} -> "name" (nested: "sections.0.id")."""
    if not isinstance(messages, dict):
        return None
    for location in ("json", "query", "headers", "view_args"):
        if location in messages:
            messages = messages[location]
            break
    path: list[str] = []
    while isinstance(messages, dict) and messages:
        key, messages = next(iter(messages.items()))
        if key == "_schema":
            break
        path.append(str(key))
    return ".".join(path) or None


def http_error(error: HTTPException) -> Response:
    """Any HTTP error raised under /api (webargs' validation errors come as 422 with data)."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    if messages is not None:
        field = _first_field(messages)
        text = MESSAGES[422] + (f" (first: {field})" if field else "")
        return error_response(status, "invalid_input", text, field,
                              _plain(messages), headers)
    return error_response(status, data.get("code"), data.get("message"), headers=headers)


def _plain(messages: Any) -> Any:
    """Lazy strings and integer keys made JSON."""
    if isinstance(messages, dict):
        return {str(key): _plain(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [_plain(value) for value in messages]
    return str(messages)
