"""Response models more than one router returns."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tenants import CrmMode, Tenant, TrialLimits


class LeapConnection(BaseModel):
    """Whether the tenant's CRM is reachable; the token itself is never returned."""

    crm: CrmMode = Field(description="`leap` (the real Leap) or `sandbox` (built-in demo CRM, for trials).")
    token_set: bool
    verified_at: datetime | None = Field(description="When Leap last accepted the token we stored.")

    @classmethod
    def of(cls, tenant: Tenant) -> LeapConnection:
        return cls(crm=tenant.crm, token_set=tenant.leap_token_set, verified_at=tenant.leap_verified_at)


class TenantOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "acme-roofing",
                    "name": "Acme Roofing",
                    "timezone": "America/Denver",
                    "trades": ["roofing", "gutters"],
                    "trial": None,
                    "leap": {"crm": "leap", "token_set": True, "verified_at": "2025-05-01T14:03:00Z"},
                    "created_at": "2025-05-01T14:00:00Z",
                    "updated_at": "2025-05-01T14:03:00Z",
                }
            ]
        }
    )

    id: str
    name: str
    timezone: str
    trades: list[str] = Field(description="What the company does, in its own words.")
    trial: TrialLimits | None = Field(description="Trial limits; null for a paying tenant.")
    leap: LeapConnection
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        return cls(
            id=tenant.id,
            name=tenant.name,
            timezone=tenant.timezone,
            trades=tenant.trades,
            trial=tenant.trial,
            leap=LeapConnection.of(tenant),
            created_at=tenant.created_at,
            updated_at=tenant.updated_at,
        )
