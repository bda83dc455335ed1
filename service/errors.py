"""Errors that operations raise for people to read: the message names the problem and the fix."""


class DomainError(Exception):
    """Refused because the request does not fit the current state or the rules."""

    status_code = 409


class NotFound(DomainError):
    status_code = 404


class InvalidInput(DomainError):
    status_code = 400
