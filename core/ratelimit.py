"""A token bucket shared by every worker through Redis.

Several app workers talk to the same upstream (Leap allows 60 requests a minute per token) or
serve the same API key, so the count must live in one place and be updated atomically: a Lua
script reads the bucket, refills it, and takes or reserves a token in one step. It reads the
clock with Redis ``TIME`` so workers whose own clocks disagree still agree on the bucket.

A caller that is willing to wait reserves its slot in the same step (the bucket may go below
zero, down to ``max_wait`` worth of tokens) and then sleeps until the slot is due. Waiters are
therefore served in the order they asked, with one round trip each, instead of polling and
racing each other. Over any window of ``T`` seconds at most ``burst + rate * T / 60`` slots are
handed out, which is what lets a caller stay under an upstream's per-minute limit.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Final

from redis.asyncio import Redis

_TAKE_SCRIPT: Final = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])

local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)

local wait = 0
if tokens < 1 then
  wait = (1 - tokens) / rate
end
local allowed = 0
if wait <= max_wait then
  allowed = 1
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, tostring(wait), tostring(tokens)}
"""


@dataclass(frozen=True)
class Decision:
    """The bucket's answer: whether a slot was granted, how long until one is (or was) due, what is left."""

    allowed: bool
    retry_after: float
    remaining: int


class RateLimitExceeded(Exception):
    """No slot is available within the time the caller was willing to wait."""

    def __init__(self, key: str, max_wait: float, retry_after: float) -> None:
        super().__init__(
            f"rate limit {key!r}: no slot within {max_wait:.1f} s (next one in {retry_after:.1f} s)"
        )
        self.retry_after = retry_after


class TokenBucket:
    """``rate_per_minute`` tokens a minute, at most ``burst`` saved up, stored under ``key``."""

    def __init__(self, redis: Redis, key: str, rate_per_minute: float, burst: int) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.key = key
        self.rate_per_minute = rate_per_minute
        self.burst = burst
        self._redis = redis
        self._script = redis.register_script(_TAKE_SCRIPT)

    async def try_acquire(self) -> Decision:
        """Take a token if one is available now; never waits."""
        return await self._take(max_wait=0.0)

    async def acquire(self, max_wait: float) -> None:
        """Wait for a slot, up to ``max_wait`` seconds; raise ``RateLimitExceeded`` if none is due by then.

        The slot is reserved before sleeping, so giving up is decided at once rather than after
        the wait: a caller is never kept waiting only to be refused.
        """
        decision = await self._take(max_wait=max_wait)
        if not decision.allowed:
            raise RateLimitExceeded(self.key, max_wait, decision.retry_after)
        if decision.retry_after > 0:
            await asyncio.sleep(decision.retry_after)

    async def _take(self, max_wait: float) -> Decision:
        allowed, wait, tokens = await self._script(
            keys=[self.key], args=[self.rate_per_minute / 60.0, self.burst, max_wait]
        )
        return Decision(
            allowed=bool(int(allowed)),
            retry_after=float(wait),
            remaining=max(0, math.floor(float(tokens))),
        )
