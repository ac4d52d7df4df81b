"""People's web sessions: what the ``harde_session`` cookie of the web app stands for.

Signing in (a person with their email and password, or the operator with the operator token)
starts a session: a random token (``hds_...``, 256 bits) goes to the browser in the cookie, and
Redis keeps only its SHA-256 (``websession:{digest}``, found from the cookie before the tenant is
known) with who it is and the session's CSRF token. A session lasts while it is used: its key
expires 12 hours after the last request (Redis's clock; refreshed at most once a minute), and
never later than 7 days after sign-in (``expires_at``, judged on this process's clock).

A person's sessions are listed under their tenant (``person_keys``) so "sign out everywhere", a
new password, removing the user and erasing the tenant end them all; the operator's are listed in
``websessions:operator``. The record says who the session is for, not what they may do: the API
reads the user's current role on every request, so a changed role or a removed user applies at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from core.keys import operator_web_sessions, web_session
from core.redis import Redis
from tenants.models import Tenant, User, utcnow
from tenants.person_keys import end_listed_sessions, end_user_sessions, user_sessions_key

PREFIX: Final = "hds_"
IDLE: Final = timedelta(hours=12)
ABSOLUTE: Final = timedelta(days=7)
_REFRESH_STEP: Final = timedelta(minutes=1)
_MAX_TOKEN_CHARS: Final = 100


class WebSession(BaseModel):
    """Who one signed-in browser is. ``tenant_*`` and ``user_id`` are set for a person, not the operator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str  # names the session in logs; never the token
    kind: Literal["user", "operator"]
    tenant_id: str | None = None
    tenant_incarnation: str | None = None
    user_id: str | None = None
    operator_credential: str | None = None
    """For the operator: a digest of the operator token hash in force at sign-in, so a rotated token
    ends the sessions it started."""
    csrf_token: str
    created_at: datetime
    expires_at: datetime

    def csrf_matches(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(presented.encode(), self.csrf_token.encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def operator_fingerprint(configured_hash: str) -> str:
    """What an operator session remembers of the operator token hash it was started under."""
    return hashlib.sha256(f"web-session:{configured_hash}".encode()).hexdigest()[:32]


class WebSessions:
    """Starts, finds and ends web sessions; ``clock`` is injectable so expiry can be tested."""

    def __init__(
        self,
        redis: Redis,
        *,
        clock: Callable[[], datetime] = utcnow,
        idle: timedelta = IDLE,
        absolute: timedelta = ABSOLUTE,
    ) -> None:
        self._redis = redis
        self._clock = clock
        self._idle = idle
        self._absolute = absolute

    async def start_user(self, tenant: Tenant, user: User) -> tuple[str, WebSession]:
        """A new session for ``user`` of ``tenant``: the cookie's token and the record."""
        return await self._start(
            "user", user_sessions_key(tenant.id, user.id),
            tenant_id=tenant.id, tenant_incarnation=tenant.incarnation, user_id=user.id,
        )  # fmt: skip

    async def start_operator(self, configured_hash: str) -> tuple[str, WebSession]:
        """A new operator session, tied to the operator token hash now configured."""
        return await self._start(
            "operator", operator_web_sessions(), operator_credential=operator_fingerprint(configured_hash)
        )

    async def _start(
        self, kind: Literal["user", "operator"], listed: str, **who: str
    ) -> tuple[str, WebSession]:
        token = PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        session = WebSession(
            id=f"ws_{secrets.token_hex(8)}",
            kind=kind,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + self._absolute,
            **who,
        )
        digest = _digest(token)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(web_session(digest), session.model_dump_json(), px=_ms(min(self._idle, self._absolute)))
            pipe.sadd(listed, digest)
            pipe.pexpire(listed, _ms(self._absolute))  # outlives every session it lists
            await pipe.execute()
        return token, session

    async def find(self, token: str) -> WebSession | None:
        """The live session for a cookie's token (its idle expiry pushed back), or None."""
        if not token.startswith(PREFIX) or len(token) > _MAX_TOKEN_CHARS:
            return None
        key = web_session(_digest(token))
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.pttl(key)
            raw, ttl_ms = await pipe.execute()
        if raw is None:
            return None
        session = WebSession.model_validate_json(raw)
        now = self._clock()
        if session.expires_at <= now:
            await self.end(token)
            return None
        wanted = min(self._idle, session.expires_at - now)
        if abs(int(ttl_ms) - _ms(wanted)) > _ms(_REFRESH_STEP):  # also never outlives its 7 days
            await self._redis.pexpire(key, _ms(wanted))  # a key already gone stays gone
        return session

    async def end(self, token: str) -> None:
        """End one session (signing out); unknown tokens are ignored."""
        if not token.startswith(PREFIX) or len(token) > _MAX_TOKEN_CHARS:
            return
        digest = _digest(token)
        key = web_session(digest)
        raw = await self._redis.getdel(key)
        if raw is None:
            return
        session = WebSession.model_validate_json(raw)
        await self._redis.srem(self._listed(session), digest)

    async def end_everywhere(self, session: WebSession) -> int:
        """End every session of the same person (or of the operator); returns how many."""
        if session.kind == "user":
            assert session.tenant_id is not None and session.user_id is not None
            return await end_user_sessions(self._redis, session.tenant_id, session.user_id)
        return await end_listed_sessions(self._redis, operator_web_sessions())

    @staticmethod
    def _listed(session: WebSession) -> str:
        if session.kind == "user":
            assert session.tenant_id is not None and session.user_id is not None
            return user_sessions_key(session.tenant_id, session.user_id)
        return operator_web_sessions()


def _ms(span: timedelta) -> int:
    return max(1, int(span.total_seconds() * 1000))
