"""Every conversation on every channel, kept so people can look back at it (the console's history).

One record per session, whatever its channel, under the tenant's prefix:

- ``t:{tenant}:session:{id}``: a hash: channel, who (user id and name, or API key), status
  (live | ended), start and end times, the number of caller turns and tool calls, and the short
  summary written when the session is learned from;
- ``t:{tenant}:session:{id}:tools``: one JSON entry per tool call, as it happens: when, which tool,
  how it ended, its arguments and its result's one-line summary (the pending-change id, if any);
- ``t:{tenant}:session:{id}:lines``: what was said in a typed conversation (a call's lines go to
  its transcript blob at the end instead, see ``pipeline.record``);
- ``t:{tenant}:sessions``: every session id scored by its start time, newest last.

The pipeline adds a call's latency per turn (``pipeline.sessions``) to the same hash's family.
A tool call that cannot be kept (Redis failing) is logged and dropped: what the tool did matters
more than its place in the history.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from brain.context import CallContext
from core.keys import tenant_key
from core.redis import Redis, as_str

log = logging.getLogger(__name__)

SESSION_TTL_SECONDS = 400 * 24 * 3600  # as long as the usage counters
MAX_ARGUMENT_CHARS = 2_000


def session_key(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "session", session_id)


def sessions_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "sessions")


def tools_key(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "session", session_id, "tools")


def lines_key(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "session", session_id, "lines")


def caller_fields(ctx: CallContext) -> dict[FieldT, EncodableT]:
    """Who is on the session; refreshed as it goes (a PIN check may identify the caller)."""
    return {
        "user_id": ctx.user_id or "",
        "user_name": ctx.user_name or "",
        "role": ctx.role.value if ctx.role else "",
        "key_id": ctx.api_key_id or "",
    }


def _bounded(arguments: Mapping[str, Any]) -> Any:
    """The arguments as stored: JSON values, or a note when they are too long to keep."""
    text = json.dumps(arguments, ensure_ascii=False, default=str)
    return json.loads(text) if len(text) <= MAX_ARGUMENT_CHARS else {"note": "too long to keep"}


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class ToolRecord:
    """One tool call as history keeps it."""

    at: datetime
    tool: str
    status: str
    arguments: Mapping[str, Any]
    summary: str
    action_id: str | None

    def as_json(self) -> str:
        return json.dumps(
            {
                "at": self.at.isoformat(),
                "tool": self.tool,
                "status": self.status,
                "arguments": _bounded(self.arguments),
                "summary": self.summary,
                "action_id": self.action_id,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ToolRecord:
        data = json.loads(text)
        return cls(
            at=datetime.fromisoformat(data["at"]),
            tool=data["tool"],
            status=data["status"],
            arguments=data.get("arguments") or {},
            summary=data.get("summary", ""),
            action_id=data.get("action_id"),
        )


@dataclass(frozen=True)
class TypedLine:
    role: str  # "caller" | "assistant"
    text: str
    at: datetime


class SessionLog:
    """Writes and reads the history of sessions (see the module docstring for the keys)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def open(self, ctx: CallContext, started_at: datetime) -> None:
        """Start (or, for a typed conversation, keep going) the record of ``ctx``'s session."""
        key = session_key(ctx.tenant_id, ctx.session_id)
        index = sessions_key(ctx.tenant_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "started_at", started_at.isoformat())
            pipe.hset(
                key,
                mapping={"session_id": ctx.session_id, "channel": ctx.channel.value, **caller_fields(ctx)},
            )
            pipe.hsetnx(key, "status", "live")
            pipe.expire(key, SESSION_TTL_SECONDS)
            pipe.zadd(index, {ctx.session_id: started_at.timestamp()}, nx=True)
            pipe.expire(index, SESSION_TTL_SECONDS)
            await pipe.execute()

    async def tool_called(self, ctx: CallContext, record: ToolRecord) -> None:
        """One tool call of ``ctx``'s session; logged and dropped if Redis fails."""
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(tools_key(ctx.tenant_id, ctx.session_id), record.as_json())
                pipe.expire(tools_key(ctx.tenant_id, ctx.session_id), SESSION_TTL_SECONDS)
                pipe.hincrby(session_key(ctx.tenant_id, ctx.session_id), "tools_called", 1)
                await pipe.execute()
        except RedisError as error:
            log.warning("session %s: tool call not kept in history (%s)", ctx.session_id, error)

    async def single_request(self, ctx: CallContext, started_at: datetime, record: ToolRecord) -> None:
        """A Direct Tools request: a session of its own, opened, with its one tool call, and ended;
        logged and dropped if Redis fails (the tool has already run)."""
        try:
            await self.open(ctx, started_at)
            await self.tool_called(ctx, record)
            await self.finish(ctx, record.at)
        except RedisError as error:
            log.warning("request %s: not kept in history (%s)", ctx.session_id, error)

    async def typed_turn(self, ctx: CallContext, said: TypedLine, answer: TypedLine | None) -> None:
        """One exchange of a typed conversation: its lines, one more turn, the last activity."""
        lines = [said, answer] if answer is not None else [said]
        key = lines_key(ctx.tenant_id, ctx.session_id)
        entries = [json.dumps({"role": x.role, "text": x.text, "at": x.at.isoformat()}) for x in lines]
        ended = lines[-1].at.isoformat()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, *entries)
            pipe.expire(key, SESSION_TTL_SECONDS)
            pipe.hincrby(session_key(ctx.tenant_id, ctx.session_id), "turns", 1)
            pipe.hset(session_key(ctx.tenant_id, ctx.session_id), "ended_at", ended)
            await pipe.execute()

    async def finish(self, ctx: CallContext, ended_at: datetime, **fields: str) -> None:
        """The session is over (a call hung up, a Direct Tools request answered, a chat ended)."""
        mapping = caller_fields(ctx)
        mapping.update({"status": "ended", "ended_at": ended_at.isoformat()})
        mapping.update(fields)
        await self._redis.hset(session_key(ctx.tenant_id, ctx.session_id), mapping=mapping)

    async def summarized(self, tenant_id: str, session_id: str, summary: str) -> None:
        """The short summary of a finished session, written beside its record."""
        key = session_key(tenant_id, session_id)
        if summary.strip() and await self._redis.exists(key):
            await self._redis.hset(key, "summary", summary.strip())

    # --- reading -------------------------------------------------------------------------------

    async def fields(self, tenant_id: str, session_id: str) -> dict[str, str]:
        raw = await self._redis.hgetall(session_key(tenant_id, session_id))
        return {as_str(name) or "": as_str(value) or "" for name, value in raw.items()}

    async def many(self, tenant_id: str, session_ids: Sequence[str]) -> list[dict[str, str]]:
        """The records of ``session_ids``, in order ({} for one that expired)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.hgetall(session_key(tenant_id, session_id))
            replies = await pipe.execute()
        return [{as_str(k) or "": as_str(v) or "" for k, v in reply.items()} for reply in replies]

    async def newest(self, tenant_id: str, *, before: float | None, count: int) -> list[tuple[str, float]]:
        """Up to ``count`` (session id, start time) pairs started before ``before``, newest first."""
        top: float | str = f"({before!r}" if before is not None else "+inf"
        found = await self._redis.zrevrangebyscore(
            sessions_key(tenant_id), top, "-inf", start=0, num=count, withscores=True
        )
        return [(_text(pair[0]), float(pair[1])) for pair in found]

    async def tools(self, tenant_id: str, session_id: str) -> list[ToolRecord]:
        entries = await self._redis.lrange(tools_key(tenant_id, session_id), 0, -1)
        return [ToolRecord.from_json(as_str(entry) or "{}") for entry in entries]

    async def typed_lines(self, tenant_id: str, session_id: str) -> list[TypedLine]:
        entries = await self._redis.lrange(lines_key(tenant_id, session_id), 0, -1)
        found = [json.loads(as_str(entry) or "{}") for entry in entries]
        return [TypedLine(item["role"], item["text"], datetime.fromisoformat(item["at"])) for item in found]
