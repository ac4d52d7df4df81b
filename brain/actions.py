"""Pending writes waiting for a spoken "yes", and the undo stack of a session, in Redis.

A pending action is bound to its tenant (key prefix), its session and the turn in which it was
proposed. Confirming is one Lua script that checks all three and deletes the action in the same
step, so it executes at most once even if two confirmations race across workers. An action can
only be confirmed in a *later* turn than the one that proposed it: the caller must have spoken
after hearing the summary, so the model cannot propose and confirm in one breath (for example
because a CRM note told it to).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from core.redis import Redis, as_str
from crm_leap.tools import Undo

PENDING_TTL_SECONDS = 180
UNDO_TTL_SECONDS = 24 * 3600
UNDO_DEPTH = 20

_CONFIRM = """
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local action = cjson.decode(raw)
if action['session_id'] ~= ARGV[1] then return {'foreign'} end
if tonumber(action['turn']) >= tonumber(ARGV[2]) then return {'same_turn'} end
redis.call('DEL', KEYS[1])
return {'ok', raw}
"""

_CANCEL = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if cjson.decode(raw)['session_id'] ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


@dataclass(frozen=True)
class PendingAction:
    id: str
    session_id: str
    actor: str
    tool: str
    args: dict[str, Any]
    summary: str
    turn: int


class ConfirmOutcome(StrEnum):
    OK = "ok"
    MISSING = "missing"  # unknown id, expired, already confirmed, or another tenant's
    FOREIGN = "foreign"  # another session's action
    SAME_TURN = "same_turn"  # the caller has not spoken since it was proposed


def _pending_key(tenant_id: str, action_id: str) -> str:
    return f"t:{tenant_id}:pending:{action_id}"


def _undo_key(tenant_id: str, session_id: str) -> str:
    return f"t:{tenant_id}:undo:{session_id}"


class ActionStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._confirm = redis.register_script(_CONFIRM)
        self._cancel = redis.register_script(_CANCEL)

    async def propose(
        self, tenant_id: str, *, session_id: str, actor: str, tool: str, args: dict[str, Any], summary: str,
        turn: int,
    ) -> PendingAction:  # fmt: skip
        action = PendingAction(
            id=f"act_{secrets.token_urlsafe(6)}", session_id=session_id, actor=actor, tool=tool, args=args,
            summary=summary, turn=turn,
        )  # fmt: skip
        await self._redis.set(
            _pending_key(tenant_id, action.id), json.dumps(asdict(action)), ex=PENDING_TTL_SECONDS
        )
        return action

    async def take(
        self, tenant_id: str, action_id: str, *, session_id: str, turn: int
    ) -> tuple[ConfirmOutcome, PendingAction | None]:
        """Claim an action for execution: exactly once, same session, a later turn."""
        reply = await self._confirm(keys=[_pending_key(tenant_id, action_id)], args=[session_id, turn])
        outcome = ConfirmOutcome(str(as_str(reply[0])))
        if outcome is not ConfirmOutcome.OK:
            return outcome, None
        return outcome, PendingAction(**json.loads(str(as_str(reply[1]))))

    async def cancel(self, tenant_id: str, action_id: str, *, session_id: str) -> bool:
        return bool(await self._cancel(keys=[_pending_key(tenant_id, action_id)], args=[session_id]))

    async def push_undo(self, tenant_id: str, session_id: str, undo: Undo) -> None:
        key = _undo_key(tenant_id, session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, json.dumps(undo.to_json()))
            pipe.ltrim(key, 0, UNDO_DEPTH - 1)
            pipe.expire(key, UNDO_TTL_SECONDS)
            await pipe.execute()

    async def pop_undo(self, tenant_id: str, session_id: str) -> Undo | None:
        raw = as_str(await self._redis.lpop(_undo_key(tenant_id, session_id)))  # type: ignore[arg-type]
        return Undo.from_json(json.loads(raw)) if raw else None

    async def restore_undo(self, tenant_id: str, session_id: str, undo: Undo) -> None:
        """Put an entry back when reverting it failed, so nothing is lost."""
        await self._redis.lpush(_undo_key(tenant_id, session_id), json.dumps(undo.to_json()))
