"""Hard-E's personality for a company: Soul Document templates written for the company's own name,
and a preview of the exact line a call opens with (the pipeline's own ``greeting``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Authenticated, TenantAccess, tenant_access
from api.deps import Admin
from api.principals import TenantCredential
from api.problems import TENANT_NOT_FOUND, USER_NOT_FOUND, WRONG_TENANT, ApiProblem, documented
from api.routes.common import AUTH_PROBLEMS, TENANT_AUTH_PROBLEMS
from brain import CallContext, Channel
from brain.soul import TEMPLATES
from core.keys import TENANT_ID_PATTERN
from pipeline import greeting
from tenants import Role, Scope, UnknownCallerPolicy

templates_router = APIRouter(prefix="/v1/soul-templates", tags=["personality"])
router = APIRouter(prefix="/v1/tenants/{tenant_id}", tags=["personality"])

GENERIC_COMPANY = "your company"


class SoulTemplateOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "seasoned-sales-director",
                    "title": "Seasoned sales director (direct, warm, a little dry)",
                    "body": "You are Hard-E, the sales director of Acme Roofing, a residential roofing ...",
                }
            ]
        }
    )

    id: str
    title: str
    body: str = Field(description="The Soul Document, ready to edit and save as `soul_document`.")


@templates_router.get(
    "",
    summary="Soul Document templates",
    description=(
        "With `tenant`, each body is written for that company's name and trades (the first template "
        "is what a company gets until it saves its own). Any credential may list them; `tenant` must "
        "be the credential's own."
    ),
    responses=documented(*AUTH_PROBLEMS, WRONG_TENANT, TENANT_NOT_FOUND),
)
async def list_soul_templates(
    admin: Admin,
    principal: Authenticated,
    tenant: Annotated[str | None, Query(pattern=TENANT_ID_PATTERN, description="A tenant id.")] = None,
) -> list[SoulTemplateOut]:
    company, trades = GENERIC_COMPANY, []
    if tenant is not None:
        if isinstance(principal, TenantCredential) and principal.tenant_id != tenant:
            raise ApiProblem(
                WRONG_TENANT, f"This credential belongs to tenant '{principal.tenant_id}'; ask for its own."
            )
        found = await admin.tenants.get_tenant(tenant)
        company, trades = found.name, found.trades
    return [
        SoulTemplateOut(id=template.id, title=template.title, body=template.written_for(company, trades))
        for template in TEMPLATES
    ]


class PreviewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{}, {"user_id": "u_3f9a1c2b7d4e"}]}
    )

    user_id: str | None = Field(
        None,
        max_length=64,
        description="Preview as this team member hears it. Left out: as the signed-in person hears it, "
        "or, for a key or the operator, as a caller whose number is on nobody's profile.",
    )


class Greeting(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"greeting": "Hi, this is Hard-E with Acme Roofing. How can I help?"}]
        }
    )

    greeting: str = Field(description="The words a call opens with, exactly as Hard-E says them.")


@router.post(
    "/greeting-preview",
    summary="Preview how Hard-E greets a caller",
    description=(
        "The same line a call opens with: a known caller hears their first name; an unknown caller "
        "hears the company's name (and the PIN request when the unknown-caller policy is `pin`). The "
        "greeting is a fixed line, so it is the same whatever the Soul Document says."
    ),
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND, USER_NOT_FOUND),
)
async def preview_greeting(
    body: PreviewIn, admin: Admin, access: Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]
) -> Greeting:
    tenant = await admin.tenants.get_tenant(access.tenant_id)
    principal = access.principal
    user_id = body.user_id or (principal.user_id if isinstance(principal, TenantCredential) else None)
    if user_id is not None:
        user = await admin.tenants.get_user(tenant.id, user_id)
        ctx = CallContext(
            tenant.id, "preview", Channel.PHONE, role=user.role, user_id=user.id, user_name=user.name
        )
    elif tenant.unknown_caller_policy is UnknownCallerPolicy.PIN:
        ctx = CallContext(tenant.id, "preview", Channel.PHONE, needs_pin=True)
    else:
        ctx = CallContext(tenant.id, "preview", Channel.PHONE, role=Role.READ_ONLY)
    return Greeting(greeting=greeting(ctx, tenant))
