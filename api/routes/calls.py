"""Hard-E calling someone: an outbound call to one of the tenant's users (a morning briefing, a
follow-up). When they answer, the call runs like any inbound call from them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantAccess, tenant_access
from api.deps import Admin
from api.problems import CALL_NOT_PLACED, TENANT_NOT_FOUND, USER_NOT_FOUND, ApiProblem, documented
from api.routes.common import TENANT_AUTH_PROBLEMS
from pipeline import CallNotPlaced
from tenants import Scope

router = APIRouter(prefix="/v1/tenants/{tenant_id}/calls", tags=["calls"])

AdminAccess = Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]


class CallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"user_id": "u_3f9a1c2b7d4e"}]})

    user_id: str = Field(min_length=1, max_length=64, description="Who to call (their first phone number).")


class CallPlaced(BaseModel):
    call_sid: str = Field(description="The phone provider's id for the call.")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Call a user",
    description="Rings the user from the tenant's line. 202 means the call was placed, not answered.",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND, USER_NOT_FOUND, CALL_NOT_PLACED),
)
async def place_call(body: CallRequest, admin: Admin, access: AdminAccess) -> CallPlaced:
    if admin.dialer is None:
        raise ApiProblem(
            CALL_NOT_PLACED, "Phone calls are not configured on this Hard-E (Twilio credentials)."
        )
    try:
        call_sid = await admin.dialer.call_user(access.tenant_id, body.user_id)
    except CallNotPlaced as error:
        raise ApiProblem(CALL_NOT_PLACED, str(error)) from None
    await admin.audit.record(access.tenant_id, actor=access.actor, event="call.placed", detail=body.user_id)
    return CallPlaced(call_sid=call_sid)
