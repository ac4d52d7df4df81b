"""Browser-call sessions in Redis (``t:{tenant}:webrtc:session:{id}``): who started one, and how far
it got.

``POST /start`` writes a session for the widget token's caller; the first offer redeems it once
(``HSETNX``, atomic across workers), so a replayed offer cannot open a second call on one session.
The record stays for a while after the call so the widget can ask why a session ended (``GET
/sessions/{id}``), for example when the browser and the server never reached each other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from core.keys import SessionKind, new_session_id, tenant_key
from core.redis import Redis
from tenants import Role
from tenants.widget_tokens import WidgetCaller

START_TTL_SECONDS = 120
"""How long a started session waits for its offer."""
RECORD_TTL_SECONDS = 24 * 3600
"""How long a session's record (state, reason) is kept once it has an offer."""


class SessionState(StrEnum):
    STARTED = "started"  # /start answered; no offer yet
    CONNECTING = "connecting"  # offer answered; ICE under way
    LIVE = "live"  # the call is running
    ENDED = "ended"
    FAILED = "failed"  # never became a call: the reason says why


@dataclass(frozen=True)
class Grant:
    """A started session, bound to the caller who started it."""

    session_id: str
    tenant_id: str
    role: Role
    user_id: str | None
    widget_session: str  # the widget token's refresh chain: a refreshed token still owns the session

    @property
    def holder(self) -> str:
        """Whom the per-user limit counts: the user, or an anonymous visitor's widget session."""
        return f"user:{self.user_id}" if self.user_id else f"widget:{self.widget_session}"


def _key(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "webrtc", "session", session_id)


async def start(redis: Redis, caller: WidgetCaller) -> Grant:
    grant = Grant(
        new_session_id(SessionKind.BROWSER_CALL),
        caller.tenant_id,
        caller.role,
        caller.user_id,
        caller.session_id,
    )
    key = _key(grant.tenant_id, grant.session_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            key,
            mapping={
                "state": SessionState.STARTED.value,
                "role": grant.role.value,
                "user_id": grant.user_id or "",
                "widget_session": grant.widget_session,
                "started_at": f"{time.time():.3f}",
            },
        )
        pipe.expire(key, START_TTL_SECONDS)
        await pipe.execute()
    return grant


async def find(redis: Redis, caller: WidgetCaller, session_id: str) -> tuple[Grant, dict[str, str]] | None:
    """The session ``caller`` started, with its record; None if there is none (or it is someone else's)."""
    found = await redis.hgetall(_key(caller.tenant_id, session_id))
    record = {str(key): str(value) for key, value in found.items()}
    if not record or record.get("widget_session") != caller.session_id:
        return None
    grant = Grant(
        session_id, caller.tenant_id, Role(record["role"]), record["user_id"] or None, caller.session_id
    )
    return grant, record


async def redeem(redis: Redis, grant: Grant) -> bool:
    """Mark the session's first offer; False if it already had one."""
    key = _key(grant.tenant_id, grant.session_id)
    if not await redis.hsetnx(key, "offered_at", f"{time.time():.3f}"):
        return False
    await redis.expire(key, RECORD_TTL_SECONDS)
    return True


async def mark(redis: Redis, grant: Grant, state: SessionState, reason: str = "") -> None:
    """Move the session on; ``reason`` says, in words for the person, why it ended or failed."""
    await redis.hset(
        _key(grant.tenant_id, grant.session_id), mapping={"state": state.value, "reason": reason}
    )
