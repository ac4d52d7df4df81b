"""How many browser calls a tenant, and each of its users, may have at once: counted atomically in
Redis, so the limits hold across every worker.

A slot is a member of two sorted sets (the tenant's and the user's), scored by when it lapses. A
live call renews its slot every few seconds; a worker that dies mid-call stops renewing, and its
slots lapse on their own instead of blocking the tenant for good. Taking a slot first drops lapsed
members, then checks both counts and adds to both sets, in one Lua script.
"""

from __future__ import annotations

import time
from enum import StrEnum

from core.keys import tenant_key
from core.redis import Redis

SLOT_LEASE_SECONDS = 30.0
"""How long a slot lasts without renewal; a live call renews it every third of that."""

# KEYS: tenant set, user set. ARGV: member, lapses at, now, tenant max, user max.
# Returns 0 when taken (or already held), 1 when the tenant is full, 2 when the user is.
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 1 end
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 2 end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
local ttl = math.ceil(tonumber(ARGV[2]) - tonumber(ARGV[3])) + 1
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
return 0
"""


class SlotRefusal(StrEnum):
    TENANT_FULL = "tenant"
    USER_FULL = "user"


class Slots:
    """Concurrent browser calls per tenant and per user (an anonymous visitor counts per token)."""

    def __init__(self, redis: Redis, *, per_tenant: int, per_user: int) -> None:
        self._redis = redis
        self._take = redis.register_script(_TAKE)
        self.per_tenant = per_tenant
        self.per_user = per_user

    @staticmethod
    def _keys(tenant_id: str, holder: str) -> list[str]:
        return [tenant_key(tenant_id, "webrtc", "live"), tenant_key(tenant_id, "webrtc", "live", holder)]

    async def take(self, tenant_id: str, holder: str, session_id: str) -> SlotRefusal | None:
        """Take (or renew) ``session_id``'s slot; None when taken, else who is full."""
        now = time.time()
        result = int(
            await self._take(
                keys=self._keys(tenant_id, holder),
                args=[session_id, now + SLOT_LEASE_SECONDS, now, self.per_tenant, self.per_user],
            )
        )
        return {0: None, 1: SlotRefusal.TENANT_FULL, 2: SlotRefusal.USER_FULL}[result]

    async def release(self, tenant_id: str, holder: str, session_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in self._keys(tenant_id, holder):
                pipe.zrem(key, session_id)
            await pipe.execute()

    async def held(self, tenant_id: str) -> int:
        """Slots of the tenant that have not lapsed (for tests and metrics)."""
        return int(await self._redis.zcount(tenant_key(tenant_id, "webrtc", "live"), time.time(), "+inf"))
