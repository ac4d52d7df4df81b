"""Leap's per-token request budget (reference §2.6): N requests per rolling minute, then 429."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


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

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> Decision:
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        if len(hits) >= self.per_minute:
            frees_at = hits[len(hits) - self.per_minute] + WINDOW_SECONDS
            return Decision(False, self.per_minute, 0, max(1, math.ceil(frees_at - now)), math.ceil(frees_at))
        hits.append(now)
        reset_at = math.ceil(hits[0] + WINDOW_SECONDS)
        return Decision(True, self.per_minute, self.per_minute - len(hits), 0, reset_at)

    def forget(self, key: str | None = None) -> None:
        """Drop counts for one key, or all of them (a reset starts with a full budget)."""
        if key is None:
            self._hits.clear()
        else:
            self._hits.pop(key, None)
