"""What a tenant used, day by day: typed messages, voice minutes, tool calls."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.auth import TenantAccess, tenant_access
from api.deps import Admin
from api.problems import TENANT_NOT_FOUND, documented
from api.routes.common import TENANT_AUTH_PROBLEMS
from tenants import Scope, TrialLimits

router = APIRouter(prefix="/v1/tenants/{tenant_id}/usage", tags=["usage"])


class UsageDay(BaseModel):
    day: date
    messages: int
    voice_minutes: float
    tool_calls: int


class Usage(BaseModel):
    tenant_id: str
    days: list[UsageDay] = Field(description="Oldest first, one entry per day (UTC), zeros included.")
    messages: int = Field(description="Total over these days.")
    voice_minutes: float
    tool_calls: int
    trial: TrialLimits | None


@router.get("", summary="Usage per day", responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND))
async def get_usage(
    admin: Admin,
    access: Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))],
    days: Annotated[int, Query(ge=1, le=400, description="How many days back, today included.")] = 30,
) -> Usage:
    tenant = await admin.tenants.get_tenant(access.tenant_id)
    rows = [
        UsageDay(
            day=row.day, messages=row.messages, voice_minutes=row.voice_minutes, tool_calls=row.tool_calls
        )
        for row in await admin.usage.daily(access.tenant_id, days)
    ]
    return Usage(
        tenant_id=tenant.id,
        days=rows,
        messages=sum(row.messages for row in rows),
        voice_minutes=round(sum(row.voice_minutes for row in rows), 2),
        tool_calls=sum(row.tool_calls for row in rows),
        trial=tenant.trial,
    )
