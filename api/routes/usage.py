"""What a tenant used, day by day: typed messages, voice minutes, tool calls; and, for the
operator, what every tenant has used so far."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auth import OperatorOnly, TenantAccess, tenant_access
from api.deps import Admin
from api.problems import OPERATOR_ONLY, TENANT_NOT_FOUND, documented
from api.routes.common import AUTH_PROBLEMS, TENANT_AUTH_PROBLEMS
from tenants import Scope, TrialLimits

router = APIRouter(prefix="/v1/tenants/{tenant_id}/usage", tags=["usage"])
operator_router = APIRouter(prefix="/v1/usage", tags=["usage"])


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


class TenantUsage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tenant_id": "acme-roofing",
                    "name": "Acme Roofing",
                    "messages": 212,
                    "voice_minutes": 48.5,
                    "tool_calls": 390,
                    "trial": {
                        "expires_at": "2025-05-15T00:00:00Z",
                        "max_messages": 500,
                        "max_voice_minutes": 60,
                    },
                }
            ]
        }
    )

    tenant_id: str
    name: str
    messages: int = Field(description="Since the tenant was created (what trial limits count).")
    voice_minutes: float
    tool_calls: int
    trial: TrialLimits | None


@operator_router.get(
    "",
    summary="Usage of every tenant (operator)",
    description="Totals since each tenant was created, busiest first (by messages plus voice minutes).",
    responses=documented(*AUTH_PROBLEMS, OPERATOR_ONLY),
)
async def usage_of_every_tenant(admin: Admin, operator: OperatorOnly) -> list[TenantUsage]:
    rows = []
    for tenant in await admin.tenants.list_tenants():
        used = await admin.usage.totals(tenant.id)
        rows.append(
            TenantUsage(
                tenant_id=tenant.id,
                name=tenant.name,
                messages=used.messages,
                voice_minutes=used.voice_minutes,
                tool_calls=used.tool_calls,
                trial=tenant.trial,
            )
        )
    return sorted(rows, key=lambda row: (-(row.messages + row.voice_minutes), row.tenant_id))
