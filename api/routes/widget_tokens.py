"""Widget tokens for browser sessions: issued by an admin (or an invite), refreshed while valid."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantAccess, tenant_access, tenant_caller
from api.deps import Admin, AdminDeps
from api.principals import TenantCredential
from api.problems import (
    EXPIRED_CREDENTIAL,
    INSUFFICIENT_SCOPE,
    INVALID_CREDENTIAL,
    TENANT_NOT_FOUND,
    TRIAL_EXPIRED,
    USER_NOT_FOUND,
    ApiProblem,
    documented,
)
from api.routes.common import AUTH_PROBLEMS, TENANT_AUTH_PROBLEMS
from api.trials import ensure_trial_active
from tenants import Role, Scope, Tenant
from tenants.widget_tokens import (
    DEFAULT_TTL,
    MAX_TTL,
    WidgetClaims,
    WidgetTokenExpired,
    WidgetTokenInvalid,
)

router = APIRouter(tags=["widget tokens"])


class WidgetTokenRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"user_id": "u_3f9a1c2b7d4e", "ttl_seconds": 3600}, {"role": "read_only"}]
        },
    )

    user_id: str | None = Field(None, max_length=64, description="Act as this user (their role applies).")
    role: Role = Field(Role.READ_ONLY, description="Role of an anonymous session (without `user_id`).")
    ttl_seconds: int = Field(
        int(DEFAULT_TTL.total_seconds()), ge=60, le=int(MAX_TTL.total_seconds()), description="Lifetime."
    )


class WidgetToken(BaseModel):
    token: str = Field(description="`hdw_...`; send as `Authorization: Bearer` from the browser.")
    expires_at: datetime
    tenant_id: str
    user_id: str | None
    role: Role


async def issue(
    admin: AdminDeps, tenant: Tenant, *, role: Role, user_id: str | None, ttl: timedelta, actor: str
) -> WidgetToken:
    """A token (never outliving the tenant's trial), with a login entry in the tenant's audit trail."""
    not_after = tenant.trial.expires_at if tenant.trial else None
    token, claims = admin.widget_tokens.issue(
        tenant, role=role, user_id=user_id, ttl=ttl, not_after=not_after
    )
    return await _logged(admin, token, claims, actor=actor)


async def _logged(admin: AdminDeps, token: str, claims: WidgetClaims, *, actor: str) -> WidgetToken:
    """The token as answered, after its login entry is in the tenant's audit trail."""
    who = f"user {claims.user_id}" if claims.user_id else f"anonymous {claims.role.value}"
    await admin.audit.record(
        claims.tenant_id,
        actor=actor,
        event="login.widget",
        detail=f"{who} until {claims.expires_at:%Y-%m-%d %H:%M}Z",
    )
    return WidgetToken(
        token=token,
        expires_at=claims.expires_at,
        tenant_id=claims.tenant_id,
        user_id=claims.user_id,
        role=claims.role,
    )


@router.post(
    "/v1/tenants/{tenant_id}/widget-tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a widget token",
    description="For a browser session of the widget, as a user or as an anonymous visitor with a role.",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND, USER_NOT_FOUND, TRIAL_EXPIRED),
)
async def issue_widget_token(
    body: WidgetTokenRequest,
    admin: Admin,
    access: Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))],
) -> WidgetToken:
    tenant = await admin.tenants.get_tenant(access.tenant_id)
    ensure_trial_active(tenant)
    role = body.role
    if body.user_id is not None:
        role = (await admin.tenants.get_user(tenant.id, body.user_id)).role
    return await issue(
        admin,
        tenant,
        role=role,
        user_id=body.user_id,
        ttl=timedelta(seconds=body.ttl_seconds),
        actor=access.actor,
    )


@router.post(
    "/v1/widget-tokens/refresh",
    status_code=status.HTTP_201_CREATED,
    summary="Swap a valid widget token for a fresh one",
    description=(
        "Send the current widget token; the new one has the same identity and a new expiry, and the one "
        "sent stops working at once (a token can be refreshed once). A session (a token and all its "
        "refreshes) lasts at most `HARDE_WIDGET_SESSION_MAX_HOURS` (24 by default); after that, "
        "refreshing answers `expired-credential` and the person signs in again."
    ),
    responses=documented(*AUTH_PROBLEMS, INSUFFICIENT_SCOPE, TENANT_NOT_FOUND, TRIAL_EXPIRED),
)
async def refresh_widget_token(
    admin: Admin, caller: Annotated[TenantCredential, Depends(tenant_caller(Scope.CONVERSATIONS))]
) -> WidgetToken:
    if caller.widget is None or caller.role is None:
        raise ApiProblem(
            INSUFFICIENT_SCOPE, "Only a widget token can be refreshed; API keys do not expire this way."
        )
    tenant = await admin.tenants.get_tenant(caller.tenant_id)
    ensure_trial_active(tenant)
    not_after = tenant.trial.expires_at if tenant.trial else None
    try:
        token, claims = await admin.widget_tokens.refresh(
            caller.widget, tenant, role=caller.role, not_after=not_after
        )
    except WidgetTokenExpired as error:
        raise ApiProblem(EXPIRED_CREDENTIAL, str(error)) from None
    except WidgetTokenInvalid as error:
        raise ApiProblem(INVALID_CREDENTIAL, str(error)) from None
    return await _logged(admin, token, claims, actor=caller.actor)
