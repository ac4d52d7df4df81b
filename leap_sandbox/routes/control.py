"""`/_sandbox/...`: drive the emulator over HTTP (reset, faults, request log, outboxes, rate limit).

These routes sit outside the v3 auth and rate limit. A Bearer token, when given, scopes a call to
that token's data; per-token views require it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from leap_sandbox.controller import Sandbox, is_sandbox_token
from leap_sandbox.errors import LeapError
from leap_sandbox.faults import FaultRule
from leap_sandbox.gateway import bearer_token
from leap_sandbox.request_log import RequestRecord

router = APIRouter(tags=["sandbox control"])


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def _optional_token(request: Request) -> str | None:
    token = bearer_token(request.scope)
    if token is not None and not is_sandbox_token(token):
        raise LeapError(401, "Unauthenticated.")
    return token


def _required_token(token: Annotated[str | None, Depends(_optional_token)]) -> str:
    if token is None:
        raise LeapError(401, "Unauthenticated.")
    return token


SandboxDep = Annotated[Sandbox, Depends(_sandbox)]
OptionalToken = Annotated[str | None, Depends(_optional_token)]
RequiredToken = Annotated[str, Depends(_required_token)]


class ResetResult(BaseModel):
    reset: str = Field(description="`token` when one token's data was reseeded, `all` otherwise.")


class RateLimitSetting(BaseModel):
    per_minute: Annotated[int, Field(ge=1, le=1_000_000, description="Requests allowed per window.")]
    window_seconds: Annotated[float, Field(gt=0, le=3600, description="Rolling window length.")] = 60.0


class Outbox(BaseModel):
    emails: list[dict[str, Any]]
    texts: list[dict[str, Any]]


@router.post("/reset", summary="Reseed the caller's token data, or all data when no token is sent")
async def reset(sandbox: SandboxDep, token: OptionalToken) -> ResetResult:
    sandbox.reset(token)
    return ResetResult(reset="token" if token else "all")


@router.get("/faults", summary="Active fault rules (with remaining counts)")
async def list_faults(sandbox: SandboxDep) -> list[FaultRule]:
    return sandbox.fault_rules()


@router.post("/faults", summary="Add a fault rule; the first matching rule applies")
async def add_fault(rule: FaultRule, sandbox: SandboxDep) -> list[FaultRule]:
    sandbox.add_fault(rule)
    return sandbox.fault_rules()


@router.delete("/faults", summary="Remove every fault rule")
async def clear_faults(sandbox: SandboxDep) -> list[FaultRule]:
    sandbox.clear_faults()
    return sandbox.fault_rules()


@router.get("/requests", summary="Recent API requests, oldest first (only the caller's with a token)")
async def list_requests(sandbox: SandboxDep, token: OptionalToken) -> list[RequestRecord]:
    return sandbox.requests(token)


@router.delete("/requests", summary="Forget the request log")
async def clear_requests(sandbox: SandboxDep) -> list[RequestRecord]:
    sandbox.clear_requests()
    return []


@router.get("/webhooks", summary="Webhook events (§17 shape) the caller's company emitted, oldest first")
async def list_webhooks(sandbox: SandboxDep, token: RequiredToken) -> list[dict[str, Any]]:
    return sandbox.webhook_events(token)


@router.get("/outbox", summary="Emails and texts the caller sent through the API")
async def outbox(sandbox: SandboxDep, token: RequiredToken) -> Outbox:
    return Outbox(**sandbox.outbox(token))


@router.get("/notifications", summary="Notifications the caller's company generated (note mentions)")
async def notifications(sandbox: SandboxDep, token: RequiredToken) -> list[dict[str, Any]]:
    return sandbox.notifications(token)


class UnpublishedSetting(BaseModel):
    enabled: bool = Field(
        description="false: the caller's token gets 404 Not found from every endpoint Leap does not "
        "publish (tagged proposed), like a Leap account whose API lacks them."
    )


@router.get("/unpublished", summary="Whether the caller's token reaches the endpoints Leap does not publish")
async def get_unpublished(sandbox: SandboxDep, token: RequiredToken) -> UnpublishedSetting:
    return UnpublishedSetting(enabled=sandbox.has_unpublished(token))


@router.put(
    "/unpublished", summary="Switch the endpoints Leap does not publish on or off for the caller's token"
)
async def set_unpublished(
    setting: UnpublishedSetting, sandbox: SandboxDep, token: RequiredToken
) -> UnpublishedSetting:
    sandbox.set_unpublished(token, enabled=setting.enabled)
    return await get_unpublished(sandbox, token)


@router.get("/rate_limit", summary="The per-token request budget")
async def get_rate_limit(sandbox: SandboxDep) -> RateLimitSetting:
    return RateLimitSetting(
        per_minute=sandbox.rate_limit_per_minute, window_seconds=sandbox.rate_limit_window_seconds
    )


@router.put("/rate_limit", summary="Change the per-token request budget (count per rolling window)")
async def set_rate_limit(setting: RateLimitSetting, sandbox: SandboxDep) -> RateLimitSetting:
    sandbox.rate_limit_per_minute = setting.per_minute
    sandbox.rate_limit_window_seconds = setting.window_seconds
    return await get_rate_limit(sandbox)
