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
from typing import Any

from core.keys import tenant_key
from core.redis import Redis, as_str
from memory.similarity import SAME_FACT, overlap, similarity

COMPANY = "company"
MAX_TEXT_CHARS = 500
PROMOTE_AFTER = 2  # distinct people who must state a company fact before it is learned


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
    return tenant_key(tenant_id, "memories")


def _candidates_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "memory", "candidates")


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

    async def get(self, tenant_id: str, memory_id: str) -> Memory | None:
        raw = as_str(await self._redis.hget(_key(tenant_id), memory_id))
        return _memory_from_json(raw) if raw else None

    async def update(self, tenant_id: str, memory_id: str, text: str) -> Memory | None:
        """Correct a memory's wording (an admin edit); None when it does not exist."""
        memory = await self.get(tenant_id, memory_id)
        text = " ".join(text.split())
        if memory is None or not text:
            return None
        changed = Memory(**{**asdict(memory), "text": text[:MAX_TEXT_CHARS], "tier": memory.tier})
        await self._redis.hset(_key(tenant_id), memory_id, json.dumps(asdict(changed)))
        return changed

    async def of_subject(self, tenant_id: str, subject: str) -> list[Memory]:
        return [memory for memory in await self.all(tenant_id) if memory.subject == subject]

    async def relevant(self, tenant_id: str, user_id: str | None, text: str, k: int = 3) -> list[Memory]:
        """Memories this caller may see that share the most words with ``text`` (per-turn recall)."""
        visible = [m for m in await self.all(tenant_id) if m.subject in (user_id, COMPANY)]
        scored = sorted(((overlap(text, m.text), m) for m in visible), key=lambda pair: -pair[0])
        return [memory for score, memory in scored[:k] if score >= 2]

    async def delete(self, tenant_id: str, memory_id: str) -> bool:
        return bool(await self._redis.hdel(_key(tenant_id), memory_id))

    async def forget_user(self, tenant_id: str, user_id: str) -> int:
        """Everything about one person: their memories and their unconfirmed company claims."""
        doomed = [m.id for m in await self.all(tenant_id) if m.subject == user_id]
        removed = int(await self._redis.hdel(_key(tenant_id), *doomed)) if doomed else 0
        for candidate_id, candidate in (await self._candidates(tenant_id)).items():
            people = [person for person in candidate["people"] if person != user_id]
            if not people:
                await self._redis.hdel(_candidates_key(tenant_id), candidate_id)
            elif len(people) != len(candidate["people"]):
                await self._save_candidate(tenant_id, candidate_id, {**candidate, "people": people})
        return removed

    async def note_company_claim(self, tenant_id: str, text: str, user_id: str | None) -> bool:
        """Record that a non-leader stated a company fact; True once enough people have said it."""
        for candidate_id, candidate in (await self._candidates(tenant_id)).items():
            if similarity(text, candidate["text"]) < SAME_FACT:
                continue
            people = sorted({*candidate["people"], user_id} - {None})
            if len(people) >= PROMOTE_AFTER:
                await self._redis.hdel(_candidates_key(tenant_id), candidate_id)
                return True
            await self._save_candidate(tenant_id, candidate_id, {**candidate, "people": people})
            return False
        fresh = {"text": text, "people": [user_id] if user_id else [], "since": time.time()}
        await self._save_candidate(tenant_id, f"c_{secrets.token_hex(4)}", fresh)
        return False

    async def pending_claims(self, tenant_id: str) -> list[str]:
        """Company facts someone stated that no one has confirmed yet, oldest first: a leader's
        decision (the morning briefing asks them)."""
        candidates = sorted((await self._candidates(tenant_id)).values(), key=lambda c: c.get("since", 0))
        return [str(candidate["text"]) for candidate in candidates]

    async def _candidates(self, tenant_id: str) -> dict[str, dict[str, Any]]:
        raw = await self._redis.hgetall(_candidates_key(tenant_id))
        return {str(as_str(key)): json.loads(str(as_str(value))) for key, value in raw.items()}

    async def _save_candidate(self, tenant_id: str, candidate_id: str, candidate: dict[str, Any]) -> None:
        await self._redis.hset(_candidates_key(tenant_id), candidate_id, json.dumps(candidate))
