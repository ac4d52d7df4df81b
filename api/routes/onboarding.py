"""The guided onboarding's progress, and what is left of a trial (shown on every page of the app)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Authenticated, TenantAccess, TenantIdPath, tenant_access
from api.deps import Admin
from api.principals import TenantCredential
from api.problems import TENANT_NOT_FOUND, WRONG_TENANT, ApiProblem, documented
from api.routes.common import TENANT_AUTH_PROBLEMS
from tenants import Scope, trial_status
from tenants.models import utcnow
from tenants.onboarding import STEP_IDS, Onboarding, Progress, StepStatus

router = APIRouter(prefix="/v1/tenants/{tenant_id}", tags=["onboarding"])

AdminAccess = Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]
StepId = Annotated[
    Literal["company", "leap", "personality", "knowledge", "team", "talk"],
    Path(description="One of the steps, in order: " + ", ".join(STEP_IDS) + "."),
]


async def _member(tenant_id: TenantIdPath, principal: Authenticated) -> TenantAccess:
    """The operator, or any credential of the tenant: everyone there may see what is left of it."""
    if isinstance(principal, TenantCredential) and principal.tenant_id != tenant_id:
        raise ApiProblem(
            WRONG_TENANT,
            f"This credential belongs to tenant '{principal.tenant_id}' and can only reach "
            f"/v1/tenants/{principal.tenant_id}/...",
        )
    return TenantAccess(tenant_id, principal)


class StepOut(BaseModel):
    id: str
    title: str
    status: StepStatus


class OnboardingOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "steps": [
                        {"id": "company", "title": "Your company", "status": "done"},
                        {"id": "leap", "title": "Connect Leap", "status": "skipped"},
                        {"id": "personality", "title": "Hard-E's personality", "status": "todo"},
                        {"id": "knowledge", "title": "Your documents", "status": "todo"},
                        {"id": "team", "title": "Your team", "status": "todo"},
                        {"id": "talk", "title": "Talk to Hard-E", "status": "todo"},
                    ],
                    "next": "personality",
                }
            ]
        }
    )

    steps: list[StepOut] = Field(description="Every step, in order.")
    next: str | None = Field(description="The first step still to do; null when onboarding is finished.")

    @classmethod
    def of(cls, progress: Progress) -> OnboardingOut:
        steps = [StepOut(id=step.id, title=step.title, status=status) for step, status in progress.steps]
        return cls(steps=steps, next=progress.next)


class StepMark(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "done"}]})

    status: StepStatus = Field(description="`done`, `skipped`, or `todo` to do it again.")


class TrialOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "trial": True,
                    "expires_at": "2025-05-15T00:00:00Z",
                    "days_left": 9,
                    "messages_used": 12,
                    "messages_left": 188,
                    "minutes_used": 4.5,
                    "minutes_left": 55.5,
                }
            ]
        }
    )

    trial: bool = Field(description="False for a paying tenant: then every figure left is null.")
    expires_at: datetime | None
    days_left: int | None = Field(
        description="Days until it ends, a begun day counting as one; 0 once ended."
    )
    messages_used: int
    messages_left: int | None
    minutes_used: float
    minutes_left: float | None


@router.get(
    "/onboarding",
    summary="Onboarding progress",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def get_onboarding(admin: Admin, access: AdminAccess) -> OnboardingOut:
    await admin.tenants.get_tenant(access.tenant_id)
    return OnboardingOut.of(await Onboarding(admin.redis).progress(access.tenant_id))


@router.put(
    "/onboarding/{step}",
    summary="Mark an onboarding step done or skipped",
    description="Marking is idempotent; two tabs marking different steps both count.",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def mark_step(step: StepId, body: StepMark, admin: Admin, access: AdminAccess) -> OnboardingOut:
    await admin.tenants.get_tenant(access.tenant_id)
    progress = await Onboarding(admin.redis).mark(access.tenant_id, step, body.status)
    await admin.audit.record(
        access.tenant_id, actor=access.actor, event="onboarding.step", detail=f"{step}: {body.status.value}"
    )
    return OnboardingOut.of(progress)


@router.get(
    "/trial",
    summary="What is left of the trial",
    description="Any credential of the tenant may read it (the app shows it on every page).",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def get_trial(admin: Admin, access: Annotated[TenantAccess, Depends(_member)]) -> TrialOut:
    tenant = await admin.tenants.get_tenant(access.tenant_id)
    used = await admin.usage.totals(tenant.id)
    if tenant.trial is None:
        return TrialOut(
            trial=False, expires_at=None, days_left=None, messages_used=used.messages, messages_left=None,
            minutes_used=used.voice_minutes, minutes_left=None,
        )  # fmt: skip
    status = trial_status(tenant.trial, used, utcnow())
    return TrialOut(trial=True, **asdict(status))
