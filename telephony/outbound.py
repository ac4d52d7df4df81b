"""Hard-E calling a user (a morning briefing, a check-in): Twilio dials them from the tenant's
line, and when they answer Twilio fetches the same voice webhook as for an inbound call, so the
call enters the same stream path with the user already known by their number.

A call carries its purpose. A briefing is composed before the phone rings (so it is ready the
moment they answer) and stored for the webhook under a one-off id in the webhook's URL
(``?outbound=<id>``, covered by Twilio's signature), with the number it was meant for.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from core.keys import tenant_key
from core.redis import Redis, as_str
from pipeline import CallNotPlaced, CallPurpose, morning_briefing
from telephony.deps import TelephonyDeps

log = logging.getLogger(__name__)

PLACED_TTL_SECONDS = 15 * 60  # ringing, voicemail screening and a slow answer fit well inside

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class PlacedCall:
    purpose: str
    to: str
    opening: list[str]


def _placed_key(tenant_id: str, outbound_id: str) -> str:
    return tenant_key(tenant_id, "outbound", outbound_id)


async def placed_call(redis: Redis, tenant_id: str, outbound_id: str) -> PlacedCall | None:
    if not outbound_id.replace("-", "").replace("_", "").isalnum():
        return None
    raw = as_str(await redis.get(_placed_key(tenant_id, outbound_id)))
    return PlacedCall(**json.loads(raw)) if raw else None


class TwilioDialer:
    """``pipeline.Dialer`` over Twilio (the admin API's ``POST .../calls`` and the briefing scheduler)."""

    def __init__(self, deps: TelephonyDeps, clock: Clock | None = None) -> None:
        self._deps = deps
        self._clock = clock or (lambda: datetime.now(UTC))

    async def call_user(
        self, tenant_id: str, user_id: str, purpose: CallPurpose = CallPurpose.CHECK_IN
    ) -> str:
        return await call_user(self._deps, tenant_id, user_id, purpose, now=self._clock())


async def call_user(
    deps: TelephonyDeps,
    tenant_id: str,
    user_id: str,
    purpose: CallPurpose = CallPurpose.CHECK_IN,
    *,
    now: datetime | None = None,
) -> str:
    """Dial one of the tenant's users from the tenant's line; returns Twilio's call sid.

    ``now`` (timezone-aware) dates a briefing; the real time unless a test or scheduler says."""
    if deps.rest is None:
        raise CallNotPlaced("Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
    tenant = await deps.tenants.get_tenant(tenant_id)
    lines = await deps.tenants.list_numbers(tenant_id)
    if not lines:
        raise CallNotPlaced(f"{tenant.name} has no phone line yet; connect one with `harde twilio connect`.")
    user = await deps.tenants.get_user(tenant_id, user_id)
    if not user.phones:
        raise CallNotPlaced(f"{user.name} has no phone number to call.")
    allowance = await deps.usage.voice_allowance(tenant)
    if not allowance.allowed:
        raise CallNotPlaced(allowance.message)
    opening: list[str] = []
    if purpose is CallPurpose.MORNING_BRIEFING:
        if deps.pipeline is None:
            raise CallNotPlaced("This Hard-E runs no calls, so it cannot give a briefing.")
        briefing = await morning_briefing(deps.pipeline.brain, tenant, user, now=now or datetime.now(UTC))
        opening = list(briefing.parts)
    outbound_id = secrets.token_urlsafe(16)
    placed = PlacedCall(purpose=purpose.value, to=user.phones[0], opening=opening)
    await deps.redis.set(
        _placed_key(tenant_id, outbound_id), json.dumps(asdict(placed)), ex=PLACED_TTL_SECONDS
    )
    public = deps.settings.public_url
    call_sid = await deps.rest.dial(
        to=user.phones[0],
        from_=lines[0],
        url=f"{public}/twilio/voice?outbound={outbound_id}",
        status_callback=f"{public}/twilio/status",
    )
    log.info("calling %s for tenant %s (%s, call %s)", user.id, tenant_id, purpose.value, call_sid)
    return call_sid
