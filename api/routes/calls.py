"""Hard-E calling someone: an outbound call to one of the tenant's users, for a purpose (a check-in,
or the morning briefing it opens with). When they answer, the call runs like any inbound call from
them. Also each user's daily briefing time, which ``harde serve`` places on its own."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantAccess, tenant_access
from api.deps import Admin
from api.problems import CALL_NOT_PLACED, TENANT_NOT_FOUND, USER_NOT_FOUND, ApiProblem, documented
from api.routes.common import TENANT_AUTH_PROBLEMS
from pipeline import BriefingSchedules, CallNotPlaced, CallPurpose
from tenants import Scope

router = APIRouter(prefix="/v1/tenants/{tenant_id}/calls", tags=["calls"])

AdminAccess = Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]


class CallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"user_id": "u_3f9a1c2b7d4e"}]})

    user_id: str = Field(min_length=1, max_length=64, description="Who to call (their first phone number).")
    purpose: CallPurpose = Field(
        CallPurpose.CHECK_IN,
        description="`check_in` opens with a greeting; `morning_briefing` opens with today's appointments, "
        "jobs that moved stage, overdue invoices and decisions to make.",
    )


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
        call_sid = await admin.dialer.call_user(access.tenant_id, body.user_id, body.purpose)
    except CallNotPlaced as error:
        raise ApiProblem(CALL_NOT_PLACED, str(error)) from None
    await admin.audit.record(access.tenant_id, actor=access.actor, event="call.placed",
                             detail=f"{body.user_id} ({body.purpose.value})")  # fmt: skip
    return CallPlaced(call_sid=call_sid)


briefings = APIRouter(prefix="/v1/tenants/{tenant_id}/users/{user_id}/briefing", tags=["calls"])
UserIdPath = Annotated[str, Path(min_length=1, max_length=64, examples=["u_3f9a1c2b7d4e"])]


class BriefingTime(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"time": "07:30"}]})

    time: dt.time = Field(description="Local time of day in the tenant's time zone (HH:MM), every day.")


class BriefingScheduled(BriefingTime):
    timezone: str = Field(description="The tenant's time zone the time is in.")


def _schedules(admin: Admin) -> BriefingSchedules:
    if admin.briefings is None:
        raise ApiProblem(CALL_NOT_PLACED, "Morning briefings are not available on this Hard-E.")
    return admin.briefings


@briefings.put(
    "",
    summary="Schedule a user's morning briefing",
    description="Hard-E calls the user at this time every day with their briefing (needs Twilio).",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND, USER_NOT_FOUND, CALL_NOT_PLACED),
)
async def schedule_briefing(
    user_id: UserIdPath, body: BriefingTime, admin: Admin, access: AdminAccess
) -> BriefingScheduled:
    schedules = _schedules(admin)
    user = await admin.tenants.get_user(access.tenant_id, user_id)
    if not user.phones:
        raise ApiProblem(CALL_NOT_PLACED, f"{user.name} has no phone number to call; add one first.")
    at = body.time.replace(second=0, microsecond=0, tzinfo=None)
    await schedules.set(access.tenant_id, user_id, at)
    await admin.audit.record(access.tenant_id, actor=access.actor, event="briefing.scheduled",
                             detail=f"{user_id} at {at:%H:%M}")  # fmt: skip
    tenant = await admin.tenants.get_tenant(access.tenant_id)
    return BriefingScheduled(time=at, timezone=tenant.timezone)


@briefings.get(
    "",
    summary="A user's morning briefing time",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND, USER_NOT_FOUND),
)
async def get_briefing(user_id: UserIdPath, admin: Admin, access: AdminAccess) -> BriefingScheduled | None:
    await admin.tenants.get_user(access.tenant_id, user_id)
    at = await _schedules(admin).get(access.tenant_id, user_id)
    if at is None:
        return None
    tenant = await admin.tenants.get_tenant(access.tenant_id)
    return BriefingScheduled(time=at, timezone=tenant.timezone)


@briefings.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop a user's morning briefing",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND, USER_NOT_FOUND),
)
async def clear_briefing(user_id: UserIdPath, admin: Admin, access: AdminAccess) -> Response:
    await admin.tenants.get_user(access.tenant_id, user_id)
    if await _schedules(admin).clear(access.tenant_id, user_id):
        await admin.audit.record(
            access.tenant_id, actor=access.actor, event="briefing.cleared", detail=user_id
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
