"""Memories in Redis: what Hard-E knows about one person, and what it knows about the company.

One hash per tenant (``t:{tenant_id}:memories``, field = memory id) keeps a tenant's memories
together, so erasing the tenant or one person is a handful of commands and nothing can leak into
another tenant's recall.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from enum import StrEnum

from core.redis import Redis, as_str

COMPANY = "company"
MAX_TEXT_CHARS = 500


class MemoryTier(StrEnum):
    CONVERSATION = "conversation"
    PERSON = "person"
    COMPANY = "company"


@dataclass(frozen=True)
class Memory:
    id: str
    tier: MemoryTier
    subject: str  # a user id, or "company"
    text: str
    source_session: str | None
    created_at: float
    confidence: float = 1.0


def _memory_from_json(raw: str) -> Memory:
    fields = json.loads(raw)
    return Memory(**{**fields, "tier": MemoryTier(fields["tier"])})


def _key(tenant_id: str) -> str:
    return f"t:{tenant_id}:memories"


class MemoryStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def remember(
        self, tenant_id: str, *, tier: MemoryTier, subject: str, text: str, source_session: str | None,
        confidence: float = 1.0,
    ) -> Memory:  # fmt: skip
        text = " ".join(text.split())
        if not text:
            raise ValueError("a memory needs some text")
        memory = Memory(
            id=f"m_{secrets.token_hex(5)}", tier=tier, subject=subject, text=text[:MAX_TEXT_CHARS],
            source_session=source_session, created_at=time.time(), confidence=confidence,
        )  # fmt: skip
        await self._redis.hset(_key(tenant_id), memory.id, json.dumps(asdict(memory)))
        return memory

    async def all(self, tenant_id: str) -> list[Memory]:
        raw = await self._redis.hvals(_key(tenant_id))
        memories = [_memory_from_json(str(as_str(item))) for item in raw]
        return sorted(memories, key=lambda m: m.created_at, reverse=True)

    async def recall(self, tenant_id: str, user_id: str | None, *, budget_chars: int = 2000) -> list[Memory]:
        """The caller's person memories, then company learnings, newest first, within a budget."""
        everything = await self.all(tenant_id)
        mine = [m for m in everything if m.tier is MemoryTier.PERSON and user_id and m.subject == user_id]
        company = [m for m in everything if m.tier is MemoryTier.COMPANY]
        chosen, used = [], 0
        for memory in mine + company:
            if used + len(memory.text) > budget_chars:
                break
            chosen.append(memory)
            used += len(memory.text)
        return chosen

    async def delete(self, tenant_id: str, memory_id: str) -> bool:
        return bool(await self._redis.hdel(_key(tenant_id), memory_id))

    async def forget_user(self, tenant_id: str, user_id: str) -> int:
        doomed = [m.id for m in await self.all(tenant_id) if m.subject == user_id]
        if not doomed:
            return 0
        return int(await self._redis.hdel(_key(tenant_id), *doomed))
