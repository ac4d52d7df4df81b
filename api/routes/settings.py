"""A tenant's own settings: the soul document, time zone, voice and model, unknown-caller policy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantAccess, tenant_access
from api.deps import Admin
from api.problems import TENANT_NOT_FOUND, documented
from api.routes.common import TENANT_AUTH_PROBLEMS, invalid
from tenants import ModelSettings, Scope, Tenant, UnknownCallerPolicy, VoiceSettings

router = APIRouter(prefix="/v1/tenants/{tenant_id}/settings", tags=["settings"])

AdminAccess = Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]


class TenantSettings(BaseModel):
    soul_document: str = Field(
        description="Personality, product opinions and company rules; empty = default."
    )
    timezone: str = Field(description="IANA time zone the assistant speaks dates and times in.")
    voice: VoiceSettings
    models: ModelSettings
    unknown_caller_policy: UnknownCallerPolicy = Field(
        description="A caller whose number belongs to no user: `pin` check, `read_only`, or `refuse`."
    )

    @classmethod
    def of(cls, tenant: Tenant) -> TenantSettings:
        return cls(
            soul_document=tenant.soul_document,
            timezone=tenant.timezone,
            voice=tenant.voice,
            models=tenant.models,
            unknown_caller_policy=tenant.unknown_caller_policy,
        )


class SettingsPatch(BaseModel):
    """Only the fields sent change; inside ``voice`` and ``models`` too."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"timezone": "America/Denver", "voice": {"turn_stop_secs": 1.0}},
                {"soul_document": "You are Hard-E for Acme Roofing. Push the 50-year warranty."},
            ]
        },
    )

    soul_document: str | None = Field(None, max_length=50_000)
    timezone: str | None = None
    voice: VoiceSettings | None = None
    models: ModelSettings | None = None
    unknown_caller_policy: UnknownCallerPolicy | None = None

    def changes(self, current: Tenant) -> dict[str, Any]:
        """The tenant fields to update: top-level values as sent, nested ones merged into the current."""
        changes: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if isinstance(value, BaseModel):
                changes[name] = {
                    **getattr(current, name).model_dump(),
                    **value.model_dump(include=value.model_fields_set),
                }
            elif value is not None:
                changes[name] = value
        return changes


@router.get(
    "", summary="Read the tenant's settings", responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND)
)
async def get_settings(admin: Admin, access: AdminAccess) -> TenantSettings:
    return TenantSettings.of(await admin.tenants.get_tenant(access.tenant_id))


@router.patch(
    "",
    summary="Change some of the tenant's settings",
    description="Fields left out keep their value; `null` is the same as leaving a field out.",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def update_settings(body: SettingsPatch, admin: Admin, access: AdminAccess) -> TenantSettings:
    current = await admin.tenants.get_tenant(access.tenant_id)
    changes = body.changes(current)
    if not changes:
        return TenantSettings.of(current)
    try:
        tenant = await admin.tenants.update_tenant(access.tenant_id, **changes)
    except ValueError as error:
        raise invalid(error) from None
    await admin.audit.record(
        access.tenant_id, actor=access.actor, event="settings.updated", detail=", ".join(sorted(changes))
    )
    return TenantSettings.of(tenant)
