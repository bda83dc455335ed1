"""Password hashing with argon2id (argon2-cffi's current RFC 9106 parameters).

`verify` tells the caller when a stored hash was made under other parameters, so it is replaced
at the next successful sign-in. `burn` does the same work as a verify for an account that does
not exist, so the time a refusal takes does not tell whether the account exists."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; a megabyte "password" is only a way to burn CPU


@functools.cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify(stored: str, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash)."""
    try:
        hasher().verify(stored, password[:MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        return False, False
    return True, hasher().check_needs_rehash(stored)


@functools.cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """One per set of parameters: the burn must cost what a real account's verify costs
    under the hasher in use now, not under whichever was in use when it was first asked."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                          parallelism=parallelism).hash(secrets.token_urlsafe(16))


def burn(password: str) -> None:
    """Verify against a hash nobody knows the password of: the cost of a real verify."""
    current = hasher()
    verify(_dummy_hash(current.time_cost, current.memory_cost, current.parallelism), password)


def generate_password() -> str:
    """About 148 bits, in six groups a person can type: xxxxx-xxxxx-xxxxx-xxxxx-xxxxx-xxxxx."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(6))


def check_new_password(password: str) -> None:
    """A new local password: long enough and not absurdly long (ValueError says which, in a
    lazy message: the CLI reads it in English, a page in its language)."""
    if len(password) < MIN_LENGTH:
        raise ValueError(_l("the password must be at least %(min)d characters long; leave out "
                            "--password-stdin to have one generated", min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise ValueError(_l("the password must be at most %(max)d characters long",
                            max=MAX_LENGTH))
