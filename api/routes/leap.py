"""The tenant's Leap connection. A token is tried against Leap before it is kept, stored encrypted,
and never returned: answers only say whether one is set and when Leap last accepted it."""

from __future__ import annotations

import logging
import math
import re
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from api.auth import TenantAccess, tenant_access
from api.deps import Admin, AdminDeps
from api.problems import (
    LEAP_BUSY,
    LEAP_TOKEN_REJECTED,
    LEAP_UNAVAILABLE,
    TENANT_NOT_FOUND,
    ApiProblem,
    documented,
)
from api.routes.common import TENANT_AUTH_PROBLEMS
from api.views import LeapConnection
from core.logs import register_secret
from crm_leap import (
    CompanyDirectory,
    LeapAuthError,
    LeapClient,
    LeapError,
    LeapRateLimited,
    RetryPolicy,
    leap_rate_limiter,
)
from tenants import CrmMode, Scope
from tenants.models import utcnow

log = logging.getLogger(__name__)

_TOKEN_CHARS = re.compile(r"^[\x21-\x7e]+$")

router = APIRouter(prefix="/v1/tenants/{tenant_id}/leap", tags=["leap"])

AdminAccess = Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]


class LeapTokenIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"token": "eyJ0eXAiOiJKV1Qi..."}]}
    )

    token: SecretStr = Field(min_length=8, max_length=4000, description="The company's Leap API token.")

    @field_validator("token")
    @classmethod
    def _printable(cls, value: SecretStr) -> SecretStr:
        """A token travels in an HTTP header: refuse what cannot (without repeating it back)."""
        if not _TOKEN_CHARS.match(value.get_secret_value().strip()):
            raise ValueError("a Leap token is one word of printable ASCII; copy it again from Leap")
        return value


class Found(BaseModel):
    """What Leap holds for this token, counted live when it was connected."""

    customers: int
    jobs: int = Field(description="Open jobs (archived ones are not counted).")
    stages: int = Field(description="Workflow stages of the company's pipeline.")


class LeapConnected(LeapConnection):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "crm": "leap",
                    "token_set": True,
                    "verified_at": "2025-05-01T14:03:00Z",
                    "found": {"customers": 1240, "jobs": 310, "stages": 9},
                }
            ]
        }
    )

    found: Found


async def _count(leap: LeapClient) -> Found:
    """The counts, through the same client the CRM tools use: one page of one item tells the total."""
    customers = await leap.find_customers(limit=1)
    jobs = await leap.find_jobs(limit=1)
    stages = await leap.workflow_stages()
    return Found(customers=customers.total, jobs=jobs.total, stages=len(stages))


async def _verify(admin: AdminDeps, tenant_id: str, token: str) -> Found:
    """One cheap read (the company's trades) proves Leap accepts the token; then what it holds is
    counted for the person connecting, and the old company cache is dropped."""
    limiter = leap_rate_limiter(admin.redis, token)
    retry = RetryPolicy(attempts=1)
    async with LeapClient(
        token, base_url=admin.settings.leap_base_url, limiter=limiter, limiter_wait=5.0, retry=retry
    ) as leap:
        try:
            await leap.trades()
            found = await _count(leap)
        except LeapAuthError:
            raise ApiProblem(
                LEAP_TOKEN_REJECTED,
                "Leap did not accept this key. Copy it again from Leap (Settings > API) and paste the "
                "whole key; nothing was changed.",
            ) from None
        except LeapRateLimited as error:
            wait = max(1, math.ceil(error.retry_after or 60))
            raise ApiProblem(
                LEAP_BUSY,
                f"Leap is busy with this account's requests right now, so the key could not be checked; "
                f"nothing was changed. Try again in {wait} seconds.",
                headers={"Retry-After": str(wait)},
            ) from None
        except LeapError as error:
            log.warning("Leap check for tenant %s failed: %s", tenant_id, error)
            raise ApiProblem(
                LEAP_UNAVAILABLE,
                "Leap is not answering properly right now, so the token could not be checked; nothing "
                "was changed. Try again in a few minutes.",
            ) from None
        await CompanyDirectory(tenant_id, leap, admin.redis).refresh()
    return found


@router.get(
    "", summary="Whether Leap is connected", responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND)
)
async def get_connection(admin: Admin, access: AdminAccess) -> LeapConnection:
    return LeapConnection.of(await admin.tenants.get_tenant(access.tenant_id))


@router.put(
    "",
    summary="Connect Leap with a token",
    description=(
        "The token is tried against Leap with one cheap read first; only a token Leap accepts is "
        "stored (encrypted), and `found` says how many customers, open jobs and workflow stages Leap "
        "holds for it. A trial on the sandbox CRM moves to the real Leap."
    ),
    responses=documented(
        *TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND, LEAP_TOKEN_REJECTED, LEAP_BUSY, LEAP_UNAVAILABLE
    ),
)
async def connect(body: LeapTokenIn, admin: Admin, access: AdminAccess) -> LeapConnected:
    token = body.token.get_secret_value().strip()
    register_secret(token)
    await admin.tenants.get_tenant(access.tenant_id)
    found = await _verify(admin, access.tenant_id, token)
    await admin.tenants.set_leap_token(access.tenant_id, token, verified_at=utcnow())
    tenant = await admin.tenants.update_tenant(access.tenant_id, crm=CrmMode.LEAP)
    await admin.audit.record(
        access.tenant_id,
        actor=access.actor,
        event="leap.connected",
        detail=f"{found.customers} customers, {found.jobs} jobs, {found.stages} stages",
    )
    return LeapConnected(**LeapConnection.of(tenant).model_dump(), found=found)


@router.delete(
    "",
    summary="Disconnect Leap",
    description="Forgets the token. CRM tools refuse until a new one is connected.",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def disconnect(admin: Admin, access: AdminAccess) -> LeapConnection:
    await admin.tenants.get_tenant(access.tenant_id)
    tenant = await admin.tenants.clear_leap_token(access.tenant_id)
    await admin.audit.record(access.tenant_id, actor=access.actor, event="leap.disconnected")
    return LeapConnection.of(tenant)
