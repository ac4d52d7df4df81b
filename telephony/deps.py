"""What the telephony routes need, set on ``app.state.telephony`` by the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from core.redis import Redis
from core.settings import Settings
from tenants import TenantStore, UsageMeter


@dataclass(frozen=True)
class TelephonyDeps:
    settings: Settings
    redis: Redis
    tenants: TenantStore
    usage: UsageMeter


def telephony_deps(request: Request) -> TelephonyDeps:
    found: TelephonyDeps = request.app.state.telephony
    return found
