"""``Idempotency-Key`` for write calls: a retried request returns the first answer instead of acting twice.

The first request with a key claims it (``SET NX``) with a fingerprint of what it asks for, runs,
and stores its answer for 24 hours. A repeat with the same fingerprint gets the stored answer; a
repeat with a different one is a client bug and gets 409, as does a repeat that arrives while the
first is still running (the client should retry it shortly). Claims are atomic in Redis, so this
holds across workers. Keys are per credential: two integrations of one tenant that happen to pick
the same key never see each other's answers.

Only successful answers (a completed change, or a dry run) are kept. A refused or failed call
changed nothing and releases its claim, so the retry the key exists for can run again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from core.keys import tenant_key
from core.redis import Redis, as_str

TTL_SECONDS = 24 * 3600
_PENDING = "pending"


@dataclass(frozen=True)
class StoredAnswer:
    """A successful answer's body (errors are never stored: see the module's docstring)."""

    body: dict[str, Any]


@dataclass(frozen=True)
class Claimed:
    """This request holds the key and must ``store`` or ``release`` it."""


@dataclass(frozen=True)
class Replay:
    answer: StoredAnswer


@dataclass(frozen=True)
class Mismatch:
    """The key was used with a different request."""


@dataclass(frozen=True)
class InProgress:
    """The first request with this key has not finished."""


ClaimResult = Claimed | Replay | Mismatch | InProgress


def fingerprint(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key(tenant_id: str, credential: str, idempotency_key: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return tenant_key(tenant_id, "idem", credential, digest)


class IdempotencyStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def claim(
        self, tenant_id: str, credential: str, idempotency_key: str, request_print: str
    ) -> ClaimResult:
        key = _key(tenant_id, credential, idempotency_key)
        pending = json.dumps({"state": _PENDING, "fingerprint": request_print})
        if await self._redis.set(key, pending, nx=True, ex=TTL_SECONDS):
            return Claimed()
        raw = as_str(await self._redis.get(key))
        if raw is None:  # expired between the two commands: claim it afresh
            return await self.claim(tenant_id, credential, idempotency_key, request_print)
        stored = json.loads(raw)
        if stored["fingerprint"] != request_print:
            return Mismatch()
        if stored["state"] == _PENDING:
            return InProgress()
        return Replay(StoredAnswer(body=stored["body"]))

    async def store(
        self, tenant_id: str, credential: str, idempotency_key: str, request_print: str, answer: StoredAnswer
    ) -> None:
        value = {"state": "done", "fingerprint": request_print, "body": answer.body}
        key = _key(tenant_id, credential, idempotency_key)
        await self._redis.set(key, json.dumps(value), ex=TTL_SECONDS)

    async def release(self, tenant_id: str, credential: str, idempotency_key: str) -> None:
        await self._redis.delete(_key(tenant_id, credential, idempotency_key))
