"""Pending writes waiting for a spoken "yes", and the undo stack of a session, in Redis.

A pending action is bound to its tenant (key prefix), its session and the turn in which it was
proposed. Confirming is one Lua script that checks all of it and deletes the action in the same
step, so it executes at most once even if two confirmations race across workers. An action can
only be confirmed in a *later* turn than the one that proposed it: the caller must have spoken
after hearing the summary, so the model cannot propose and confirm in one breath (for example
because a CRM note told it to).

Nor can it be confirmed before its summary has been *delivered*: spoken to the end on a call, or
sent to the screen in a typed conversation. The channel reports that (``mark_delivered``); until
then a "yes" may have been said into the middle of the proposal, and does not count.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from core.keys import tenant_key
from core.redis import Redis, as_str
from crm_leap.tools import Undo

PENDING_TTL_SECONDS = 180
UNDO_TTL_SECONDS = 24 * 3600
UNDO_DEPTH = 20
_CAS_ATTEMPTS = 3

_CONFIRM = """
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local action = cjson.decode(raw)
if action['session_id'] ~= ARGV[1] then return {'foreign'} end
if tonumber(action['turn']) >= tonumber(ARGV[2]) then return {'same_turn'} end
if not action['delivered'] then return {'unheard', raw} end
redis.call('DEL', KEYS[1])
return {'ok', raw}
"""

_COMPARE_AND_SET = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
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
    delivered: bool = False
    """Whether the caller has had the summary in full (heard to the end, or shown on screen)."""


@dataclass(frozen=True)
class Undoable:
    """A change that can be taken back, and the pending action that made it (so the history can
    show that change as undone)."""

    undo: Undo
    action_id: str | None

    def as_json(self) -> str:
        return json.dumps({**self.undo.to_json(), "action_id": self.action_id})

    @classmethod
    def from_json(cls, raw: str) -> Undoable:
        data = json.loads(raw)
        return cls(Undo.from_json(data), data.get("action_id"))


class ConfirmOutcome(StrEnum):
    OK = "ok"
    MISSING = "missing"  # unknown id, expired, already confirmed, or another tenant's
    FOREIGN = "foreign"  # another session's action
    SAME_TURN = "same_turn"  # the caller has not spoken since it was proposed
    UNHEARD = "unheard"  # the summary never reached the caller in full (cut off, spoken over)


def _pending_key(tenant_id: str, action_id: str) -> str:
    return tenant_key(tenant_id, "pending", action_id)


def _undo_key(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "undo", session_id)


class ActionStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._confirm = redis.register_script(_CONFIRM)
        self._cancel = redis.register_script(_CANCEL)
        self._compare_and_set = redis.register_script(_COMPARE_AND_SET)

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
        """Claim an action for execution: exactly once, same session, a later turn, summary delivered.

        An ``UNHEARD`` action stays pending and comes back too, so its summary can be said again."""
        reply = await self._confirm(keys=[_pending_key(tenant_id, action_id)], args=[session_id, turn])
        outcome = ConfirmOutcome(str(as_str(reply[0])))
        if len(reply) < 2:
            return outcome, None
        return outcome, PendingAction(**json.loads(str(as_str(reply[1]))))

    async def mark_delivered(self, tenant_id: str, action_ids: Iterable[str], *, session_id: str) -> int:
        """The summaries of these actions reached the caller in full; returns how many were marked
        (another session's, expired or already confirmed ones are left alone)."""
        marked = 0
        for action_id in dict.fromkeys(action_ids):
            marked += await self._mark_delivered(_pending_key(tenant_id, action_id), session_id)
        return marked

    async def _mark_delivered(self, key: str, session_id: str) -> int:
        """Rewritten by Python, not Lua (cjson would turn an empty list in the arguments into an
        object), and stored only if nobody changed the record meanwhile."""
        for _ in range(_CAS_ATTEMPTS):
            raw = as_str(await self._redis.get(key))
            if raw is None:
                return 0
            action = json.loads(raw)
            if action["session_id"] != session_id or action.get("delivered"):
                return 0
            if await self._compare_and_set(keys=[key], args=[raw, json.dumps({**action, "delivered": True})]):
                return 1
        return 0  # it kept changing under us: it was confirmed or cancelled meanwhile

    async def cancel(self, tenant_id: str, action_id: str, *, session_id: str) -> bool:
        return bool(await self._cancel(keys=[_pending_key(tenant_id, action_id)], args=[session_id]))

    async def push_undo(self, tenant_id: str, session_id: str, entry: Undoable) -> None:
        key = _undo_key(tenant_id, session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, entry.as_json())
            pipe.ltrim(key, 0, UNDO_DEPTH - 1)
            pipe.expire(key, UNDO_TTL_SECONDS)
            await pipe.execute()

    async def pop_undo(self, tenant_id: str, session_id: str) -> Undoable | None:
        raw = as_str(await self._redis.lpop(_undo_key(tenant_id, session_id)))  # type: ignore[arg-type]
        return Undoable.from_json(raw) if raw else None

    async def restore_undo(self, tenant_id: str, session_id: str, entry: Undoable) -> None:
        """Put an entry back when reverting it failed, so nothing is lost."""
        await self._redis.lpush(_undo_key(tenant_id, session_id), entry.as_json())

    async def can_undo(self, tenant_id: str, session_id: str) -> bool:
        """Whether the session has a change left to take back (for the console's Undo button)."""
        return bool(await self._redis.exists(_undo_key(tenant_id, session_id)))
