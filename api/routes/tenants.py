"""Tenants, for the operator: create, list, get, update, erase. Tenant admins may read their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import OperatorOnly, TenantAccess, TenantIdPath, tenant_access
from api.deps import Admin
from api.principals import Operator
from api.problems import (
    OPERATOR_ONLY,
    TENANT_EXISTS,
    TENANT_NOT_FOUND,
    VALIDATION_ERROR,
    ApiProblem,
    documented,
)
from api.routes.common import AUTH_PROBLEMS, TENANT_AUTH_PROBLEMS, invalid
from api.views import TenantOut
from core.keys import TENANT_ID_PATTERN, tenant_blob_prefix
from tenants import CrmMode, Scope, Tenant, TrialLimits, new_sandbox_token
from tenants.models import Trade

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


class TenantCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id": "acme-roofing", "name": "Acme Roofing", "timezone": "America/Denver", "crm": "leap"}
            ]
        },
    )

    id: str = Field(
        pattern=TENANT_ID_PATTERN, description="Permanent id: 2-40 lowercase letters, digits, '-'."
    )
    name: str = Field(min_length=1, max_length=120)
    timezone: str = Field("America/Chicago", description="IANA time zone, e.g. `America/Denver`.")
    crm: CrmMode = Field(
        CrmMode.LEAP,
        description="`leap`: connect a Leap token next. `sandbox`: start on the built-in demo CRM.",
    )
    trial: TrialLimits | None = Field(None, description="Limits for a trial tenant; omit for a paying one.")


class TenantPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme Roofing & Siding",
                    "timezone": "America/Denver",
                    "trades": ["roofing", "siding"],
                },
                {"trial": None},
            ]
        },
    )

    name: str | None = Field(None, min_length=1, max_length=120)
    timezone: str | None = Field(None, description="IANA time zone, e.g. `America/Denver`.")
    trades: list[Trade] | None = Field(None, max_length=12, description="What the company does.")
    trial: TrialLimits | None = Field(
        None, description="New trial limits; `null` ends the trial (a paying tenant). Operator only."
    )


class Erased(BaseModel):
    tenant_id: str
    redis_keys: int = Field(description="Redis keys deleted (the tenant's data, sessions, counters, audit).")
    blobs: int = Field(description="Blobs deleted (documents, transcripts, archived audit).")
    api_keys: int = Field(description="API keys that stopped working.")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a tenant",
    responses=documented(*AUTH_PROBLEMS, OPERATOR_ONLY, TENANT_EXISTS),
)
async def create_tenant(body: TenantCreate, admin: Admin, operator: OperatorOnly) -> TenantOut:
    try:
        tenant = Tenant(id=body.id, name=body.name, timezone=body.timezone, crm=body.crm, trial=body.trial)
    except ValueError as error:
        raise invalid(error) from None
    await admin.tenants.create_tenant(tenant)
    if tenant.crm is CrmMode.SANDBOX:
        tenant = await admin.tenants.set_leap_token(tenant.id, new_sandbox_token(), verified_at=None)
    await admin.audit.record(tenant.id, actor=operator.actor, event="tenant.created", detail=tenant.name)
    return TenantOut.of(tenant)


@router.get(
    "",
    summary="List every tenant",
    responses=documented(*AUTH_PROBLEMS, OPERATOR_ONLY),
)
async def list_tenants(admin: Admin, operator: OperatorOnly) -> list[TenantOut]:
    return [TenantOut.of(tenant) for tenant in sorted(await admin.tenants.list_tenants(), key=lambda t: t.id)]


@router.get(
    "/{tenant_id}",
    summary="Get a tenant",
    description="The operator, or the tenant's own API key with the `admin` scope.",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def get_tenant(
    admin: Admin, access: Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]
) -> TenantOut:
    return TenantOut.of(await admin.tenants.get_tenant(access.tenant_id))


@router.patch(
    "/{tenant_id}",
    summary="Change a tenant's name, time zone, trades or trial",
    description=(
        "The operator, or the tenant's own credential with `admin` (the company step of onboarding). "
        'Only the operator may change the trial; sending `"trial": null` turns a trial into a paying tenant.'
    ),
    responses=documented(*TENANT_AUTH_PROBLEMS, OPERATOR_ONLY, TENANT_NOT_FOUND),
)
async def update_tenant(
    body: TenantPatch, admin: Admin, access: Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]
) -> TenantOut:
    tenant_id = access.tenant_id
    changes = body.model_dump(include=body.model_fields_set)
    if "trial" in changes and not isinstance(access.principal, Operator):
        raise ApiProblem(OPERATOR_ONLY, "Only the operator may change a trial; ask us to extend it.")
    for field in ("name", "timezone", "trades"):
        if field in changes and changes[field] is None:
            raise ApiProblem(VALIDATION_ERROR, f"{field} cannot be null; send a new value or leave it out.")
    try:
        tenant = await admin.tenants.update_tenant(tenant_id, **changes)
    except ValueError as error:
        raise invalid(error) from None
    if changes:
        await admin.audit.record(
            tenant_id, actor=access.actor, event="tenant.updated", detail=", ".join(sorted(changes))
        )
    return TenantOut.of(tenant)


@router.delete(
    "/{tenant_id}",
    summary="Erase a tenant and everything it has",
    description=(
        "Operator only; cannot be undone. Stops the tenant's API keys, releases its phone numbers, and "
        "deletes its Redis data and its blobs (documents, transcripts, archived audit)."
    ),
    responses=documented(*AUTH_PROBLEMS, OPERATOR_ONLY, TENANT_NOT_FOUND),
)
async def erase_tenant(tenant_id: TenantIdPath, admin: Admin, operator: OperatorOnly) -> Erased:
    await admin.tenants.get_tenant(tenant_id)
    blobs = len(await admin.blobs.list_keys(tenant_blob_prefix(tenant_id)))
    api_keys = await admin.keys.forget_tenant(tenant_id)
    redis_keys = await admin.tenants.erase_tenant(tenant_id)  # the store removes the blobs too
    return Erased(tenant_id=tenant_id, redis_keys=redis_keys, blobs=blobs, api_keys=api_keys)
