"""Call records (``t:{tenant}:call:{CallSid}``): what Twilio told us and whether audio ever flowed.

A call whose media stream never opened (the caller hung up while ringing, the socket failed) has
no pipeline to close it; Twilio's final status callback closes it here instead.
"""

from __future__ import annotations

import time
from typing import Any

from core.keys import tenant_key
from core.redis import Redis
from telephony.stream_tokens import StreamGrant

CALL_TTL_SECONDS = 30 * 24 * 3600
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def call_key(tenant_id: str, call_sid: str) -> str:
    return tenant_key(tenant_id, "call", call_sid)


async def record_start(redis: Redis, grant: StreamGrant, *, direction: str) -> None:
    key = call_key(grant.tenant_id, grant.call_sid)
    fields: dict[Any, Any] = {
        "status": "answered",
        "direction": direction,
        "caller": grant.caller,
        "mode": grant.mode.value,
        "user_id": grant.user_id or "",
        "answered_at": f"{time.time():.3f}",
        "stream": "pending",
    }
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping=fields)
        pipe.expire(key, CALL_TTL_SECONDS)
        await pipe.execute()


async def mark_stream_opened(redis: Redis, tenant_id: str, call_sid: str, session_id: str) -> None:
    await redis.hset(call_key(tenant_id, call_sid), mapping={"stream": "open", "session_id": session_id})


async def mark_stream_closed(redis: Redis, tenant_id: str, call_sid: str) -> None:
    await redis.hset(call_key(tenant_id, call_sid), "stream", "closed")


async def record_status(redis: Redis, tenant_id: str, call_sid: str, *, status: str, duration: float) -> None:
    key = call_key(tenant_id, call_sid)
    fields: dict[Any, Any] = {"status": status, "duration_seconds": f"{duration:.0f}"}
    if status in FINAL_STATUSES and await redis.hget(key, "stream") == "pending":
        fields["stream"] = "never_opened"
        fields["closed_at"] = f"{time.time():.3f}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping=fields)
        pipe.expire(key, CALL_TTL_SECONDS)
        await pipe.execute()


async def get_call(redis: Redis, tenant_id: str, call_sid: str) -> dict[str, str]:
    found = await redis.hgetall(call_key(tenant_id, call_sid))
    return {str(key): str(value) for key, value in found.items()}
