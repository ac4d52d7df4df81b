"""One-time, short-lived tokens that tie a media-stream websocket to the call the webhook answered.

The webhook decides who is calling and what they may do; the websocket only proves it is the
stream Twilio opened for that call by presenting the token once, within a minute, together with
the tenant and the call's ``callSid`` it was issued for. Those bound fields are part of the
token's key, so a socket presenting a genuine token with a forged ``callSid`` (or tenant) finds
nothing and uses nothing up: the genuine stream can still redeem it. Redeeming is one GETDEL,
so a token is used at most once even with two sockets racing across workers.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from enum import StrEnum

from core.keys import is_tenant_id, tenant_key
from core.redis import Redis, as_str

TOKEN_TTL_SECONDS = 60


class CallerMode(StrEnum):
    KNOWN = "known"  # the caller's number belongs to a user
    PIN = "pin"  # unknown number: must enter a user's PIN first
    READ_ONLY = "read_only"  # unknown number, admitted to read only


@dataclass(frozen=True)
class StreamGrant:
    tenant_id: str
    call_sid: str
    caller: str
    called: str
    mode: CallerMode
    user_id: str | None
    max_seconds: float | None  # trial voice minutes left, if limited
    tenant_incarnation: str = ""  # the tenant that answered: a later one of the same id is not it
    opening: tuple[str, ...] = ()  # what an outbound call was placed to say first (a briefing)


def _key(tenant_id: str, call_sid: str, token: str) -> str:
    return tenant_key(tenant_id, "stream", call_sid, token)


async def issue(redis: Redis, grant: StreamGrant) -> str:
    token = secrets.token_urlsafe(24)
    key = _key(grant.tenant_id, grant.call_sid, token)
    await redis.set(key, json.dumps(asdict(grant)), ex=TOKEN_TTL_SECONDS)
    return token


async def redeem(redis: Redis, tenant_id: str, call_sid: str, token: str) -> StreamGrant | None:
    """The grant, exactly once, to the call it was issued for; None for an unknown, expired or
    already used token, or one presented for another tenant or call (which leaves it unused)."""
    if not (call_sid and token and is_tenant_id(tenant_id)) or ":" in call_sid:  # no key games
        return None
    raw = as_str(await redis.getdel(_key(tenant_id, call_sid, token)))
    if raw is None:
        return None
    fields = json.loads(raw)
    return StreamGrant(
        **{**fields, "mode": CallerMode(fields["mode"]), "opening": tuple(fields.get("opening", ()))}
    )
