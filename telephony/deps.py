"""What the telephony routes need, set on ``app.state.telephony`` by the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from core.redis import Redis
from core.settings import Settings
from pipeline import PipelineDeps
from telephony.rest import TwilioRest
from tenants import TenantStore, UsageMeter


@dataclass(frozen=True)
class TelephonyDeps:
    settings: Settings
    redis: Redis
    tenants: TenantStore
    usage: UsageMeter
    pipeline: PipelineDeps | None = None  # None: webhooks only (no calls can run)
    rest: TwilioRest | None = None  # None: no Twilio credentials, so no transfers or outbound calls


def telephony_deps(request: Request) -> TelephonyDeps:
    found: TelephonyDeps = request.app.state.telephony
    return found
