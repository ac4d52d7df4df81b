"""A tenant's API keys: created with scopes (the secret is shown once), listed by prefix, revoked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import TenantAccess, tenant_access
from api.deps import Admin
from api.principals import TenantCredential
from api.problems import INSUFFICIENT_SCOPE, KEY_NOT_FOUND, TENANT_NOT_FOUND, ApiProblem, documented
from api.routes.common import TENANT_AUTH_PROBLEMS
from tenants import Scope
from tenants.api_keys import ApiKey
from tenants.models import utcnow

router = APIRouter(prefix="/v1/tenants/{tenant_id}/api-keys", tags=["api keys"])

AdminAccess = Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]
KeyIdPath = Annotated[str, Path(min_length=1, max_length=64, examples=["k_5e1f0a9b3c2d"])]


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str = Field(
        description="The key's first characters, to recognise it; the rest is never shown again."
    )
    scopes: list[Scope]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey, last_used_at: datetime | None) -> ApiKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scopes=list(key.scopes),
            created_at=key.created_at,
            created_by=key.created_by,
            expires_at=key.expires_at,
            last_used_at=last_used_at,
            revoked_at=key.revoked_at,
        )


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret (`hde_...`). Shown only in this response: store it now.")


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Zapier",
                    "scopes": ["tools:read", "tools:write"],
                    "expires_at": "2026-01-01T00:00:00Z",
                }
            ]
        },
    )

    name: str = Field(
        min_length=1, max_length=80, description="What the key is for, to recognise it in lists."
    )
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))
    expires_at: datetime | None = Field(None, description="When the key stops working; omit for no expiry.")

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-01-01T00:00:00Z")
        if value <= utcnow():
            raise ValueError("must be in the future")
        return value


@router.get("", summary="List API keys", responses=documented(*TENANT_AUTH_PROBLEMS))
async def list_keys(admin: Admin, access: AdminAccess) -> list[ApiKeyOut]:
    return [ApiKeyOut.of(key, used) for key, used in await admin.keys.list_keys(access.tenant_id)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key",
    description="A key may only grant scopes its creator holds; the operator may grant any.",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def create_key(body: ApiKeyCreate, admin: Admin, access: AdminAccess) -> ApiKeyCreated:
    tenant = await admin.tenants.get_tenant(access.tenant_id)
    wanted = set(body.scopes)
    if isinstance(access.principal, TenantCredential) and not wanted <= access.principal.scopes:
        missing = ", ".join(sorted(wanted - access.principal.scopes))
        raise ApiProblem(
            INSUFFICIENT_SCOPE, f"This key cannot grant scopes it does not have itself: {missing}."
        )
    key, secret = await admin.keys.create(
        tenant, name=body.name, scopes=wanted, created_by=access.actor, expires_at=body.expires_at
    )
    await admin.audit.record(
        access.tenant_id,
        actor=access.actor,
        event="api_key.created",
        detail=f"{key.id} '{key.name}' ({', '.join(key.scopes)})",
    )
    return ApiKeyCreated(**ApiKeyOut.of(key, None).model_dump(), key=secret)


@router.get("/{key_id}", summary="Get an API key", responses=documented(*TENANT_AUTH_PROBLEMS, KEY_NOT_FOUND))
async def get_key(key_id: KeyIdPath, admin: Admin, access: AdminAccess) -> ApiKeyOut:
    key, used = await admin.keys.get(access.tenant_id, key_id)
    return ApiKeyOut.of(key, used)


@router.delete(
    "/{key_id}",
    summary="Revoke an API key",
    description="The key stops working at once; it stays in the list, marked revoked.",
    responses=documented(*TENANT_AUTH_PROBLEMS, KEY_NOT_FOUND),
)
async def revoke_key(key_id: KeyIdPath, admin: Admin, access: AdminAccess) -> ApiKeyOut:
    key = await admin.keys.revoke(access.tenant_id, key_id)
    _, used = await admin.keys.get(access.tenant_id, key_id)
    await admin.audit.record(access.tenant_id, actor=access.actor, event="api_key.revoked", detail=key.id)
    return ApiKeyOut.of(key, used)
