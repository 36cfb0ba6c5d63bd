"""In-process rate limits: so many hits per key in a fixed window, per gateway instance."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from services.gateway.problems import ProblemError
from services.kit.settings import Settings

MAX_KEYS = 100_000  # beyond this many keys, expired windows are dropped before a new one opens


class RateLimiter:
    """`hit(key)` counts one hit; once a key has `limit` hits in its window, `retry_after(key)` says
    how many seconds are left. A limit of 0 never limits."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, key: str) -> int | None:
        """Whole seconds until `key` may act again, or None when it may act now."""
        if self.limit == 0:
            return None
        started, count = self._current(key)
        if count < self.limit:
            return None
        return max(1, math.ceil(started + self.window_s - self.clock()))

    def hit(self, key: str) -> None:
        if self.limit == 0:
            return
        started, count = self._current(key)
        if len(self._windows) >= MAX_KEYS and key not in self._windows:
            self._drop_expired()
        self._windows[key] = (started, count + 1)

    def _current(self, key: str) -> tuple[float, int]:
        now = self.clock()
        started, count = self._windows.get(key, (now, 0))
        return (now, 0) if now - started >= self.window_s else (started, count)

    def _drop_expired(self) -> None:
        now = self.clock()
        self._windows = {
            key: window for key, window in self._windows.items() if now - window[0] < self.window_s
        }


def too_many(retry_after: int, what: str) -> ProblemError:
    return ProblemError(
        429,
        f"Too many {what}; try again in {retry_after} s.",
        slug="rate-limited",
        title="Too many requests",
        headers={"Retry-After": str(retry_after)},
    )


class GatewayLimits:
    """Failed authentications per client address; writes per principal and per client address."""

    def __init__(
        self, limit_failed_auth: int, per_principal: int, per_address: int, window_s: float
    ) -> None:
        self.failed_auth = RateLimiter(limit_failed_auth, window_s)
        self.writes_per_principal = RateLimiter(per_principal, window_s)
        self.writes_per_address = RateLimiter(per_address, window_s)

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayLimits:
        return cls(
            settings.rate_limit_failed_auth, settings.rate_limit_writes_per_principal,
            settings.rate_limit_writes_per_address, settings.rate_limit_window_s,
        )  # fmt: skip

    def check_address(self, address: str) -> None:
        """Before authenticating: an address with too many failures waits (429)."""
        wait = self.failed_auth.retry_after(address)
        if wait is not None:
            raise too_many(wait, "failed authentications from your address")

    def check_write(self, principal_id: str, address: str) -> None:
        """Counts one write; 429 once the principal or the address used up its window."""
        for limiter, key in (
            (self.writes_per_principal, principal_id),
            (self.writes_per_address, address),
        ):
            wait = limiter.retry_after(key)
            if wait is not None:
                raise too_many(wait, "writes")
        self.writes_per_principal.hit(principal_id)
        self.writes_per_address.hit(address)
