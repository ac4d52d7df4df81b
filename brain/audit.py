"""The tenant's audit stream: one entry per tool execution, whatever the channel.

Arguments are recorded as a digest, not as values: enough to tell two calls apart or match a
call to a complaint, without copying customer data or anything secret into the log.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from brain.context import CallContext
from core.keys import tenant_key
from core.logs import redact
from core.redis import Redis

MAX_DETAIL_CHARS = 300


class ToolStatus(StrEnum):
    """How a tool call ended: the audit entry's outcome, and the status of a ``ToolEvent``."""

    OK = "ok"
    PENDING = "pending"  # a write proposed; it waits for the caller's yes
    CONFIRMED = "confirmed"  # a pending write carried out
    CANCELLED = "cancelled"
    UNDONE = "undone"
    REFUSED = "refused"  # the policy said no (tier, role, scope, or a yes not heard)
    ERROR = "error"
    UNAVAILABLE = "unavailable"  # the CRM could not be reached or is not connected
    DRY_RUN = "dry_run"  # a write checked and summarised, nothing changed (Direct Tools API)


def audit_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "audit")


def args_digest(args: Mapping[str, Any]) -> str:
    canonical = json.dumps(args, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class AuditLog:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def record(
        self,
        ctx: CallContext,
        *,
        tool: str,
        args: Mapping[str, Any],
        outcome: ToolStatus,
        latency_ms: float,
        detail: str = "",
    ) -> None:
        entry = {
            "ts": f"{time.time():.3f}",
            "channel": ctx.channel.value,
            "actor": ctx.actor,
            "session": ctx.session_id,
            "tool": tool,
            "args_digest": args_digest(args),
            "outcome": outcome,
            "latency_ms": f"{latency_ms:.1f}",
            "detail": redact(detail)[:MAX_DETAIL_CHARS],
        }
        await self._redis.xadd(audit_key(ctx.tenant_id), entry)  # type: ignore[arg-type]
