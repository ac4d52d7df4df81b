"""The live record of each call in Redis, so any worker (and the admin API) can see a call's state
and its latency story while it runs and after it ends.

- ``t:{tenant}:session:{id}``: a hash with who, which channel, status (live | ended), start and end
  times, how it ended, its length and where its transcript blob is;
- ``t:{tenant}:session:{id}:latency``: one JSON entry per answered turn, appended as it happens;
- ``t:{tenant}:sessions``: every session id scored by its start time, for listing calls.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from redis.typing import EncodableT, FieldT

from brain import CallContext
from core.keys import tenant_blob_prefix, tenant_key
from core.redis import Redis, as_str
from pipeline.record import EndReason, TurnLatency

SESSION_TTL_SECONDS = 400 * 24 * 3600  # as long as the usage counters


def session_key(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "session", session_id)


def latency_key(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "session", session_id, "latency")


def sessions_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "sessions")


def transcript_blob_key(tenant_id: str, session_id: str) -> str:
    return f"{tenant_blob_prefix(tenant_id)}calls/{session_id}/transcript.json"


@dataclass(frozen=True)
class SessionRecord:
    fields: dict[str, str]
    latency: list[dict[str, Any]]

    @property
    def status(self) -> str:
        return self.fields.get("status", "")


def _caller_fields(ctx: CallContext) -> dict[FieldT, EncodableT]:
    return {
        "user_id": ctx.user_id or "",
        "user_name": ctx.user_name or "",
        "role": ctx.role.value if ctx.role else "",
    }


class CallSessions:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def open(self, ctx: CallContext, started_at: datetime) -> None:
        key = session_key(ctx.tenant_id, ctx.session_id)
        fields: dict[FieldT, EncodableT] = {
            "session_id": ctx.session_id,
            "channel": ctx.channel.value,
            **_caller_fields(ctx),
            "status": "live",
            "started_at": started_at.isoformat(),
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expire(key, SESSION_TTL_SECONDS)
            pipe.zadd(sessions_key(ctx.tenant_id), {ctx.session_id: started_at.timestamp()})
            pipe.expire(sessions_key(ctx.tenant_id), SESSION_TTL_SECONDS)
            await pipe.execute()

    async def add_latency(self, ctx: CallContext, turn: TurnLatency) -> None:
        key = latency_key(ctx.tenant_id, ctx.session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(asdict(turn)))
            pipe.expire(key, SESSION_TTL_SECONDS)
            await pipe.execute()

    async def close(
        self, ctx: CallContext, *, ended_at: datetime, reason: EndReason, duration_secs: float
    ) -> None:
        await self._redis.hset(
            session_key(ctx.tenant_id, ctx.session_id),
            mapping={
                **_caller_fields(ctx),  # a PIN check may have identified the caller during the call
                "status": "ended",
                "ended_at": ended_at.isoformat(),
                "end_reason": reason.value,
                "duration_secs": f"{duration_secs:.3f}",
                "transcript": transcript_blob_key(ctx.tenant_id, ctx.session_id),
            },
        )

    async def get(self, tenant_id: str, session_id: str) -> SessionRecord | None:
        raw = await self._redis.hgetall(session_key(tenant_id, session_id))
        if not raw:
            return None
        entries = await self._redis.lrange(latency_key(tenant_id, session_id), 0, -1)
        fields = {as_str(name) or "": as_str(value) or "" for name, value in raw.items()}
        return SessionRecord(fields=fields, latency=[json.loads(as_str(entry) or "{}") for entry in entries])
