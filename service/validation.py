"""Marshmallow's fields and validators with their messages in the gettext catalogues.

Marshmallow's own words ("Missing data for required field.") are English constants. It
documents how to replace them: `Field.default_error_messages` on a field class, the `error`
of a validator, and a schema's `error_messages`. The subclasses here set those to lazy strings
(`lazy_gettext`), so a message is read when a value fails, in the language of that moment: the
page's in a request, English in a command (service.i18n.select_locale). Schemas import their
fields and validators from here instead of from marshmallow; marshmallow itself is left as it
is for any other library that uses it. docs/decisions.md says why this way.

A message keeps marshmallow's `{name}` placeholders (`{min}`, `{choices}`): the Welsh
translation must keep them too."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate


class Translated:
    """Mixed into a field: the messages every field has, and lazy messages read at the
    moment of the error (marshmallow formats only plain `str` messages itself)."""

    default_error_messages: ClassVar[dict[str, Any]] = {
        "required": _l("required, but missing"),
        "null": _l("required, but empty"),
        "validator_failed": _l("not a valid value"),
    }
    error_messages: dict[str, Any]

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        message = self.error_messages.get(key)
        if isinstance(message, LazyString):
            return ValidationError(str(message).format(**kwargs))
        return super().make_error(key, **kwargs)  # type: ignore[misc]


class Schema(marshmallow.Schema):
    """Unknown fields are refused (as every input schema here does), in the reader's words."""

    error_messages = {  # noqa: RUF012 (marshmallow's documented class attribute)
        "unknown": _l("not a field we know: remove it or check its spelling"),
        "type": _l("expected names with values"),
    }

    class Meta:
        unknown = marshmallow.RAISE


class String(Translated, fields.String):
    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid": _l("not text"), "invalid_utf8": _l("not UTF-8 text")}


class Integer(Translated, fields.Integer):
    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid": _l("not a whole number"), "too_large": _l("too large a number")}


class Float(Translated, fields.Float):
    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid": _l("not a number"), "too_large": _l("too large a number"),
        "special": _l("not a number (NaN or infinity)")}


class Boolean(Translated, fields.Boolean):
    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid": _l("not yes or no: use true or false")}


class Date(Translated, fields.Date):
    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid": _l("not a date: write it as YYYY-MM-DD, such as 2027-03-31")}


class List(Translated, fields.List):
    default_error_messages: ClassVar[dict[str, Any]] = {"invalid": _l("not a list")}


class Nested(Translated, fields.Nested):
    default_error_messages: ClassVar[dict[str, Any]] = {"type": _l("expected names with values")}


class Enum(Translated, fields.Enum):
    default_error_messages: ClassVar[dict[str, Any]] = {"unknown": _l("must be one of: {choices}")}


class EmailAddress(validate.Email):
    default_message = _l("not an email address (such as name@example.org)")


class Email(String):
    """An email address (marshmallow's Email field insists on a plain `str` message)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.insert(0, EmailAddress())


class WebAddress(validate.URL):
    default_message = _l("not a web address (such as https://example.org)")


class Url(String):
    """A web address (marshmallow's Url field, like its Email field, words its own message)."""

    def __init__(self, *, schemes: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.insert(0, WebAddress(relative=False, schemes=schemes))


class Length(validate.Length):
    message_min = _l("too short: at least {min}")
    message_max = _l("too long: at most {max}")
    message_all = _l("must be between {min} and {max} long")
    message_equal = _l("must be {equal} long")


class OneOf(validate.OneOf):
    default_message = _l("must be one of: {choices}")


class Regexp(validate.Regexp):
    default_message = _l("not in the expected form")


class Range(validate.Range):
    """Marshmallow words a range's message when the validator is made (at import, before any
    language is chosen), so the words are chosen here, lazily, after it."""

    def __init__(self, min: Any = None, max: Any = None, *,
                 error: str | None = None) -> None:
        super().__init__(min, max, error=error)
        self.message_min = _l("must be at least {min}")
        self.message_max = _l("must be at most {max}")
        self.message_all = _l("must be between {min} and {max}")
