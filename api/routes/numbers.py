"""The phone numbers that ring a tenant. Tenant admins see theirs; assigning one is the operator's
job, because the numbers are the platform's (bought in its Twilio account)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import OperatorOnly, TenantAccess, TenantIdPath, tenant_access
from api.deps import Admin
from api.problems import (
    NUMBER_NOT_FOUND,
    OPERATOR_ONLY,
    PHONE_TAKEN,
    TENANT_NOT_FOUND,
    ApiProblem,
    documented,
)
from api.routes.common import AUTH_PROBLEMS, TENANT_AUTH_PROBLEMS, invalid
from tenants import Scope, normalize_phone

router = APIRouter(prefix="/v1/tenants/{tenant_id}/numbers", tags=["phone numbers"])


class PhoneNumber(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"number": "+15125550100"}]})

    number: str = Field(min_length=3, max_length=32, description="Any format in; E.164 out.")


@router.get(
    "", summary="List the tenant's numbers", responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND)
)
async def list_numbers(
    admin: Admin, access: Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]
) -> list[PhoneNumber]:
    await admin.tenants.get_tenant(access.tenant_id)
    return [PhoneNumber(number=number) for number in await admin.tenants.list_numbers(access.tenant_id)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Route a number to the tenant",
    description="Operator only. A number rings at most one tenant.",
    responses=documented(*AUTH_PROBLEMS, OPERATOR_ONLY, TENANT_NOT_FOUND, PHONE_TAKEN),
)
async def claim_number(
    tenant_id: TenantIdPath, body: PhoneNumber, admin: Admin, operator: OperatorOnly
) -> PhoneNumber:
    try:
        number = await admin.tenants.claim_number(tenant_id, body.number)
    except ValueError as error:
        raise invalid(error) from None
    await admin.audit.record(tenant_id, actor=operator.actor, event="number.assigned", detail=number)
    return PhoneNumber(number=number)


@router.delete(
    "/{number}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop routing a number to the tenant",
    description="Operator only. Write the number URL-encoded (`%2B15125550100`) or as digits.",
    responses=documented(*AUTH_PROBLEMS, OPERATOR_ONLY, NUMBER_NOT_FOUND),
)
async def release_number(
    tenant_id: TenantIdPath,
    number: Annotated[str, Path(min_length=3, max_length=32, examples=["+15125550100"])],
    admin: Admin,
    operator: OperatorOnly,
) -> Response:
    try:
        e164 = normalize_phone(number)
    except ValueError:
        e164 = None
    if e164 is None or e164 not in await admin.tenants.list_numbers(tenant_id):
        raise ApiProblem(
            NUMBER_NOT_FOUND, f"{number} is not one of this tenant's numbers; list them to see which are."
        )
    await admin.tenants.release_number(tenant_id, e164)
    await admin.audit.record(tenant_id, actor=operator.actor, event="number.released", detail=e164)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
