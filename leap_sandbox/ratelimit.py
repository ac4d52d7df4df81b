"""Leap's per-token request budget (reference §2.6): N requests per rolling minute, then 429.

The window is configurable so tests can prove throttling behaviour in seconds instead of minutes.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

LEAP_WINDOW_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until a slot frees; 0 when allowed
    reset_at: int  # unix time when the oldest counted request leaves the window


class RateLimiter:
    """A sliding log per key: exact for a rolling window, and small at Leap's 60/minute scale.

    Refused requests are not counted, as with Laravel's throttle: a client that backs off as told by
    `Retry-After` gets in on time.
    """

    def __init__(
        self, limit: int, window_seconds: float = LEAP_WINDOW_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> Decision:
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            frees_at = hits[len(hits) - self.limit] + self.window_seconds
            return Decision(False, self.limit, 0, max(1, math.ceil(frees_at - now)), math.ceil(frees_at))
        hits.append(now)
        reset_at = math.ceil(hits[0] + self.window_seconds)
        return Decision(True, self.limit, self.limit - len(hits), 0, reset_at)

    def forget(self, key: str | None = None) -> None:
        """Drop counts for one key, or all of them (a reset starts with a full budget)."""
        if key is None:
            self._hits.clear()
        else:
            self._hits.pop(key, None)
