"""One-time password links: how a person gets a password without a mail service.

An owner or manager creates a *welcome* link for a team member (7 days), and
``harde user reset-password`` prints a *reset* link (24 hours); the person opens it, chooses a
password and is signed in. The token (``hdp_...``, 256 bits) is stored only as its SHA-256, in a
hash ``pwlink:{digest}`` (``link``: the record; ``used_at`` once it worked), found before the tenant
is known. A link works once: using it is one Lua step that checks the link still exists (not voided
by a newer link or a removed person) and sets ``used_at`` only if unset, so two tabs submitting the
same link cannot both set a password, and a link voided meanwhile is not spent. A person has at
most one live link: a new one voids the previous (``person_keys``). A used or expired link is kept
a week more, so opening it again says "already used" or "expired" rather than "unknown", then Redis
drops it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict

from core.keys import password_link
from core.redis import Redis, as_str
from tenants.models import Tenant, User, utcnow
from tenants.person_keys import user_link_key, void_link

PREFIX: Final = "hdp_"
_KEPT_AFTER: Final = timedelta(days=7)
_MAX_TOKEN_CHARS: Final = 100


class Purpose(StrEnum):
    WELCOME = "welcome"  # a new team member chooses their first password
    RESET = "reset"  # someone who forgot theirs chooses a new one


TTL: Final = {Purpose.WELCOME: timedelta(days=7), Purpose.RESET: timedelta(hours=24)}

# Spend a link in one step: 'gone' when it no longer exists (voided, forgotten), 'used' when it
# already was, else mark it used and answer its record. Never creates the key (HSETNX alone would
# recreate a voided link's key, without expiry, and report success).
_CONSUME: Final = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {'gone', false} end
if redis.call('HSETNX', KEYS[1], 'used_at', ARGV[1]) == 0 then return {'used', false} end
return {'ok', redis.call('HGET', KEYS[1], 'link')}
"""
_USED_MESSAGE: Final = "this link was already used; sign in with your password, or ask for a new link"


class PasswordLinkError(Exception):
    """The link cannot be used; the message says why and what to do, for the person holding it."""


class LinkNotFound(PasswordLinkError):
    pass


class LinkUsed(PasswordLinkError):
    pass


class LinkExpired(PasswordLinkError):
    pass


class PasswordLink(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    tenant_id: str
    tenant_incarnation: str
    user_id: str
    purpose: Purpose
    created_at: datetime
    created_by: str
    expires_at: datetime


def link_url(public_url: str, token: str) -> str:
    """Where the person opens the link: the web app's set-password page."""
    return f"{public_url}/app/set-password?token={token}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PasswordLinks:
    """Creates and redeems password links; ``clock`` is injectable so expiry can be tested."""

    def __init__(self, redis: Redis, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._redis = redis
        self._clock = clock
        self._consume = redis.register_script(_CONSUME)

    async def create(
        self, tenant: Tenant, user: User, purpose: Purpose, *, created_by: str
    ) -> tuple[str, PasswordLink]:
        """A new link for ``user`` (voiding their previous one): the token and the record."""
        token = PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        link = PasswordLink(
            id=f"pl_{secrets.token_hex(6)}",
            tenant_id=tenant.id,
            tenant_incarnation=tenant.incarnation,
            user_id=user.id,
            purpose=purpose,
            created_at=now,
            created_by=created_by,
            expires_at=now + TTL[purpose],
        )
        digest = _digest(token)
        kept_ms = int((TTL[purpose] + _KEPT_AFTER).total_seconds() * 1000)
        await void_link(self._redis, tenant.id, user.id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(password_link(digest), "link", link.model_dump_json())
            pipe.pexpire(password_link(digest), kept_ms)
            pipe.set(user_link_key(tenant.id, user.id), digest, px=kept_ms)
            await pipe.execute()
        return token, link

    async def peek(self, token: str) -> PasswordLink:
        """The link's record if it can still be used; the matching ``PasswordLinkError`` otherwise."""
        link, used = await self._read(token)
        if used:
            raise LinkUsed(_USED_MESSAGE)
        if link.expires_at <= self._clock():
            raise LinkExpired(
                f"this link expired on {link.expires_at:%Y-%m-%d %H:%M} UTC; ask an owner or manager "
                "for a new one"
            )
        return link

    async def consume(self, token: str) -> PasswordLink:
        """Spend the link (exactly one caller succeeds, and only while the link exists); raises as
        ``peek`` does."""
        await self.peek(token)  # expiry is judged here; the script decides existence and first use
        outcome, raw = await self._consume(
            keys=[password_link(_digest(token))], args=[self._clock().isoformat()]
        )
        if as_str(outcome) == "used":
            raise LinkUsed(_USED_MESSAGE)
        if as_str(outcome) != "ok" or raw is None:
            raise _not_found()
        return PasswordLink.model_validate_json(raw)

    async def _read(self, token: str) -> tuple[PasswordLink, bool]:
        if token.startswith(PREFIX) and len(token) <= _MAX_TOKEN_CHARS:
            found = await self._redis.hmget(password_link(_digest(token)), ["link", "used_at"])
            raw, used = as_str(found[0]), found[1]
            if raw is not None:
                return PasswordLink.model_validate_json(raw), used is not None
        raise _not_found()


def _not_found() -> LinkNotFound:
    return LinkNotFound(
        "this password link is not valid: check that it was copied whole, or ask for a new one"
    )
