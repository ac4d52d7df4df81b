"""The live record of each call in Redis, so any worker (and the admin API) can see a call's state
and its latency story while it runs and after it ends.

The record is the brain's session history (``brain.history``: who, channel, status, times, tool
calls, summary), which a call extends with how it ended, its length, where its transcript blob is,
and ``t:{tenant}:session:{id}:latency``: one JSON entry per answered turn, appended as it happens.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from brain import CallContext
from brain.history import SESSION_TTL_SECONDS, SessionLog, session_key
from core.keys import tenant_blob_prefix, tenant_key
from core.redis import Redis, as_str
from pipeline.record import EndReason, TurnLatency


def latency_key(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "session", session_id, "latency")


def transcript_blob_key(tenant_id: str, session_id: str) -> str:
    return f"{tenant_blob_prefix(tenant_id)}calls/{session_id}/transcript.json"


@dataclass(frozen=True)
class SessionRecord:
    fields: dict[str, str]
    latency: list[dict[str, Any]]

    @property
    def status(self) -> str:
        return self.fields.get("status", "")


class CallSessions:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._log = SessionLog(redis)

    async def open(self, ctx: CallContext, started_at: datetime) -> None:
        await self._log.open(ctx, started_at)

    async def add_latency(self, ctx: CallContext, turn: TurnLatency) -> None:
        key = latency_key(ctx.tenant_id, ctx.session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(asdict(turn)))
            pipe.expire(key, SESSION_TTL_SECONDS)
            await pipe.execute()

    async def close(
        self, ctx: CallContext, *, ended_at: datetime, reason: EndReason, duration_secs: float, turns: int
    ) -> None:
        """The call ended: how, how long, how many caller turns, where its transcript is (the
        caller fields are refreshed too: a PIN check may have identified the caller)."""
        await self._log.finish(
            ctx,
            ended_at,
            end_reason=reason.value,
            duration_secs=f"{duration_secs:.3f}",
            turns=str(turns),
            transcript=transcript_blob_key(ctx.tenant_id, ctx.session_id),
        )

    async def get(self, tenant_id: str, session_id: str) -> SessionRecord | None:
        raw = await self._redis.hgetall(session_key(tenant_id, session_id))
        if not raw:
            return None
        entries = await self._redis.lrange(latency_key(tenant_id, session_id), 0, -1)
        fields = {as_str(name) or "": as_str(value) or "" for name, value in raw.items()}
        return SessionRecord(fields=fields, latency=[json.loads(as_str(entry) or "{}") for entry in entries])
