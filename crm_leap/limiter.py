"""The per-token budget for Leap requests, shared by every worker through Redis.

Leap allows 60 requests per rolling minute per token and answers 429 beyond that. A token
bucket hands out at most ``burst + rate * window`` requests in any window, so the refill rate is
what is left of the limit after the burst, less a little headroom for requests that take
different times to reach Leap. The key holds a digest of the token, never the token itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from core.keys import leap_rate_limit
from core.ratelimit import TokenBucket
from core.redis import Redis


@dataclass(frozen=True)
class LeapLimits:
    """Leap's limit (``requests`` per rolling ``window_seconds``) and how we spend it."""

    requests: int = 60
    window_seconds: float = 60.0
    burst: int = 5
    headroom: int = 1

    def __post_init__(self) -> None:
        if self.requests <= self.burst + self.headroom:
            raise ValueError(
                f"the limit ({self.requests} requests) must exceed burst ({self.burst}) "
                f"plus headroom ({self.headroom})"
            )
        if self.window_seconds <= 0:
            raise ValueError("window_seconds must be positive")

    @property
    def rate_per_minute(self) -> float:
        return (self.requests - self.burst - self.headroom) * 60.0 / self.window_seconds


def token_digest(token: str) -> str:
    """A short, stable, non-reversible name for a token (safe in keys and logs)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def leap_rate_limiter(redis: Redis, token: str, limits: LeapLimits | None = None) -> TokenBucket:
    """The bucket every client for ``token``, in every worker, must draw from."""
    limits = limits or LeapLimits()
    return TokenBucket(
        redis,
        leap_rate_limit(token_digest(token)),
        rate_per_minute=limits.rate_per_minute,
        burst=limits.burst,
    )
