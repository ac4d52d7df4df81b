"""Hard-E calling a user (a morning briefing, a follow-up): Twilio dials them from the tenant's
line, and when they answer Twilio fetches the same voice webhook as for an inbound call, so the
call enters the same stream path with the user already known by their number."""

from __future__ import annotations

import logging

from pipeline import CallNotPlaced
from telephony.deps import TelephonyDeps

log = logging.getLogger(__name__)


class TwilioDialer:
    """``pipeline.Dialer`` over Twilio (the admin API's ``POST .../calls`` uses it)."""

    def __init__(self, deps: TelephonyDeps) -> None:
        self._deps = deps

    async def call_user(self, tenant_id: str, user_id: str) -> str:
        return await call_user(self._deps, tenant_id, user_id)


async def call_user(deps: TelephonyDeps, tenant_id: str, user_id: str) -> str:
    """Dial one of the tenant's users from the tenant's line; returns Twilio's call sid."""
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
    public = deps.settings.public_url
    call_sid = await deps.rest.dial(
        to=user.phones[0],
        from_=lines[0],
        url=f"{public}/twilio/voice",
        status_callback=f"{public}/twilio/status",
    )
    log.info("calling %s for tenant %s (call %s)", user.id, tenant_id, call_sid)
    return call_sid
