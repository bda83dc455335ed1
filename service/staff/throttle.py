"""Throttling failed sign-ins, per account and per address, with backoff.

Tiers of limits ("5 per minute; 20 per hour; 100 per day") make the backoff: a few mistakes cost
a minute, a guessing run an hour, then a day. Only failures count, and the account's counter is
kept under a keyed hash of the address typed (never the address itself, and the same whether or
not such an account exists, so a throttled answer says nothing about existence either). The
counters live where the link throttle's do (`RATELIMIT_STORAGE_URI`), through `limits`."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.strategies import FixedWindowRateLimiter

from service.responses.throttle import open_storage

log = logging.getLogger(__name__)
ACCOUNT, ADDRESS = "signin-account", "signin-address"
#: A throttled refusal is audited once per address and minute: the log of a guessing run
#: grows no faster than the throttle lets it (docs/security.md).
THROTTLED_AUDIT, THROTTLED_AUDIT_LIMIT = "signin-throttled-audit", parse_many("1 per minute")[0]


def _limits(name: str, value: str) -> list[RateLimitItem]:
    try:
        items = parse_many(value)
    except ValueError:
        items = []
    if not items:
        raise ValueError(f"{name}: expected e.g. '5 per minute; 20 per hour', not {value!r}")
    return items


class SignInThrottle:
    def __init__(self, storage_uri: str, account_limit: str, address_limit: str,
                 secret: str) -> None:
        self.limits = {ACCOUNT: _limits("SIGNIN_ACCOUNT_LIMIT", account_limit),
                       ADDRESS: _limits("SIGNIN_ADDRESS_LIMIT", address_limit)}
        self.secret = secret.encode()
        self.strategy = FixedWindowRateLimiter(open_storage(storage_uri))

    def account_key(self, account: str) -> str:
        """A keyed hash of the address typed: the same whether or not the account exists."""
        digest = hmac.new(self.secret, account.strip().lower().encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def _keys(self, account: str, address: str) -> dict[str, str]:
        return {ACCOUNT: self.account_key(account), ADDRESS: address}

    def audit_throttled(self, address: str) -> bool:
        """Whether this throttled refusal is the first from ``address`` this minute."""
        try:
            return self.strategy.hit(THROTTLED_AUDIT_LIMIT, THROTTLED_AUDIT, address)
        except StorageError:
            return True

    def wait(self, account: str, address: str) -> int:
        """Seconds until this account may be tried from this address (0: now)."""
        longest = 0.0
        try:
            for namespace, key in self._keys(account, address).items():
                for item in self.limits[namespace]:
                    if not self.strategy.test(item, namespace, key):
                        reset = self.strategy.get_window_stats(item, namespace, key).reset_time
                        longest = max(longest, reset - time.time(), 1)
        except StorageError as exc:
            log.warning("sign-in throttle storage unavailable (%s); not throttling",
                        type(exc.storage_error).__name__)
            return 0
        return math.ceil(longest)

    def failed(self, account: str, address: str) -> None:
        try:
            for namespace, key in self._keys(account, address).items():
                for item in self.limits[namespace]:
                    self.strategy.hit(item, namespace, key)
        except StorageError as exc:
            log.warning("sign-in throttle storage unavailable (%s)",
                        type(exc.storage_error).__name__)

    def succeeded(self, account: str, address: str) -> None:
        """A right password clears the account's count (not the address's)."""
        try:
            key = self._keys(account, address)[ACCOUNT]
            for item in self.limits[ACCOUNT]:
                self.strategy.clear(item, ACCOUNT, key)
        except StorageError:
            pass
