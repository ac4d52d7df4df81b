"""Response models more than one router returns."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from api.principals import TenantCredential
from api.web_sessions import SignedIn
from tenants import CrmMode, Role, Scope, Tenant, TrialLimits


class LeapConnection(BaseModel):
    """Whether the tenant's CRM is reachable; the token itself is never returned."""

    crm: CrmMode = Field(description="`leap` (the real Leap) or `sandbox` (built-in demo CRM, for trials).")
    token_set: bool
    verified_at: datetime | None = Field(description="When Leap last accepted the token we stored.")

    @classmethod
    def of(cls, tenant: Tenant) -> LeapConnection:
        return cls(crm=tenant.crm, token_set=tenant.leap_token_set, verified_at=tenant.leap_verified_at)


_TENANT_EXAMPLE: JsonDict = {
    "id": "acme-roofing",
    "name": "Acme Roofing",
    "timezone": "America/Denver",
    "trades": ["roofing", "gutters"],
    "trial": None,
    "leap": {"crm": "leap", "token_set": True, "verified_at": "2025-05-01T14:03:00Z"},
    "created_at": "2025-05-01T14:00:00Z",
    "updated_at": "2025-05-01T14:03:00Z",
}


class TenantOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_TENANT_EXAMPLE]})

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


class MeUser(BaseModel):
    id: str
    name: str
    email: str | None
    role: Role


class Me(BaseModel):
    """Who the web app's session is: what the app shows, and the token its changes must carry."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "user",
                    "csrf_token": "pV4n0c8bXg6yQm2rT1sLwZ3kHfJ9aE7uDi5oNqRtYvA",
                    "user": {
                        "id": "u_3f9a1c2b7d4e",
                        "name": "Sam Ortiz",
                        "email": "sam@peak.example",
                        "role": "owner",
                    },
                    "tenant": _TENANT_EXAMPLE,
                    "permissions": ["admin", "conversations", "knowledge", "tools:read", "tools:write"],
                }
            ]
        }
    )

    kind: Literal["user", "operator"] = Field(description="A person of a tenant, or the platform operator.")
    csrf_token: str = Field(
        description="Send it as `X-CSRF-Token` with every POST, PUT, PATCH and DELETE made with the cookie."
    )
    user: MeUser | None = Field(description="The signed-in person; null for the operator.")
    tenant: TenantOut | None = Field(description="The person's company; null for the operator.")
    permissions: list[Scope] = Field(
        description="What the API lets this session do (the role's scopes); the app shows only these."
    )

    @classmethod
    def of(cls, signed: SignedIn) -> Me:
        session, user, tenant = signed.session, signed.user, signed.tenant
        scopes = signed.principal.scopes if isinstance(signed.principal, TenantCredential) else set(Scope)
        return cls(
            kind=session.kind,
            csrf_token=session.csrf_token,
            user=MeUser(id=user.id, name=user.name, email=user.email, role=user.role) if user else None,
            tenant=TenantOut.of(tenant) if tenant else None,
            permissions=sorted(scopes),
        )
