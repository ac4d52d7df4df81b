"""How many of one tenant's uploads are being read at once, counted across every app process.

Reading runs in a few worker processes per app process (``kb.workers``); a tenant that could fill
them all would make every other tenant's upload wait. So each reading holds one of the tenant's
``ReadingLimits.per_tenant`` places, taken in one Lua step (count, then add) so that two uploads
arriving together on two workers cannot both take the last place. A place is a member of a sorted
set scored with its expiry, by Redis's own clock: a process that died while reading leaves a place
that lapses after the wall-clock limit instead of blocking the tenant for ever.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Final

from core.redis import Redis
from kb.errors import TooManyUploads

_TAKE: Final = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
_MARGIN_MS: Final = 30_000
"""A place outlives the wall-clock limit by this much: the worker is killed by then."""


class ReadingPlaces:
    """At most ``per_tenant`` uploads of a tenant read at once; the next is refused, not queued."""

    def __init__(self, redis: Redis, *, per_tenant: int, wall_seconds: float) -> None:
        self._redis = redis
        self._take = redis.register_script(_TAKE)
        self._per_tenant = per_tenant
        self._lifetime_ms = int(wall_seconds * 1000) + _MARGIN_MS

    @contextlib.asynccontextmanager
    async def place(self, key: str) -> AsyncIterator[None]:
        """Hold one place under ``key`` (the tenant's) while the body runs; ``TooManyUploads`` if
        the tenant has none free."""
        token = secrets.token_hex(8)
        if not await self._take(keys=[key], args=[self._per_tenant, self._lifetime_ms, token]):
            uploads = "upload" if self._per_tenant == 1 else "uploads"
            raise TooManyUploads(
                f"{self._per_tenant} {uploads} to this knowledge base are still being read, the most at "
                "once; wait for them to finish, then upload this document again"
            )
        try:
            yield
        finally:
            await self._redis.zrem(key, token)
