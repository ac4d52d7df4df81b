"""The Direct Tools API: external systems run CRM tools without the LLM.

``GET /v1/tools`` lists what the key may run, with JSON schemas. ``POST /v1/tools/{name}`` runs one
through ``ToolBox.run_direct``: the same access rules and handlers as a phone call, audited the
same way. API keys skip the spoken confirmation, not the scope check. Each tool has its own
route, so the OpenAPI document carries every tool's argument schema.

Write tools take ``dry_run`` (describe the change, touch nothing) and ``Idempotency-Key`` (a
retry returns the first answer instead of changing Leap twice). Every answer says how long the
tool took, in the body (``execution_ms``) and in ``Server-Timing``.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.auth import tenant_caller
from api.deps import Admin, AdminDeps
from api.idempotency import Claimed, InProgress, Mismatch, Replay, StoredAnswer, fingerprint
from api.principals import TenantCredential
from api.problems import (
    IDEMPOTENCY_IN_PROGRESS,
    IDEMPOTENCY_KEY_REUSED,
    INSUFFICIENT_SCOPE,
    LEAP_NOT_CONNECTED,
    TOOL_NOT_FOUND,
    TOOL_REFUSED,
    TRIAL_EXPIRED,
    VALIDATION_ERROR,
    ApiProblem,
    ProblemType,
    describe,
    documented,
    field_errors,
)
from api.routes.common import AUTH_PROBLEMS, TOOL_FAILURES, acting_as, raise_for_failure
from api.trials import ensure_trial_active
from brain import CallContext, ToolOutcome, ToolStatus
from brain.access import may_use
from core.keys import SessionKind, new_session_id
from crm_leap import CapabilityStore
from crm_leap.tools import Tier, Tool, registry
from tenants import Scope

MAX_BODY_BYTES = 64 * 1024

router = APIRouter(prefix="/v1/tools", tags=["tools"], max_body_size=MAX_BODY_BYTES)

ToolsCaller = Annotated[TenantCredential, Depends(tenant_caller(Scope.TOOLS_READ, Scope.TOOLS_WRITE))]
ReadCaller = Annotated[TenantCredential, Depends(tenant_caller(Scope.TOOLS_READ))]
WriteCaller = Annotated[TenantCredential, Depends(tenant_caller(Scope.TOOLS_WRITE))]
DryRun = Annotated[bool, Query(description="Describe the change without making it.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (a UUID); a retry with the same key and body returns the first answer "
        "for 24 hours instead of changing Leap again. The same key with another body is a 409.",
    ),
]

_RUN_PROBLEMS = (*AUTH_PROBLEMS, INSUFFICIENT_SCOPE, TRIAL_EXPIRED, LEAP_NOT_CONNECTED, *TOOL_FAILURES)


class ToolInfo(BaseModel):
    name: str
    description: str
    tier: Literal["read", "write"] = Field(description="`write` tools change Leap; they accept `dry_run`.")
    area: str
    input_schema: dict[str, Any] = Field(description="JSON schema of the request body.")


class ToolResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tool": "add_job_note",
                    "status": "ok",
                    "summary": "Add a note to job 2405-118 (Smith roof): 'Customer wants a Friday start.'",
                    "result": {"note_id": 88121},
                    "execution_ms": 212.4,
                },
                {
                    "tool": "add_job_note",
                    "status": "dry_run",
                    "summary": "Add a note to job 2405-118 (Smith roof): 'Customer wants a Friday start.'",
                    "result": None,
                    "execution_ms": 41.0,
                },
            ]
        }
    )

    tool: str
    status: Literal["ok", "dry_run"] = Field(description="`dry_run`: nothing was changed.")
    summary: str | None = Field(description="The change in one sentence (write tools).")
    result: dict[str, Any] | None = Field(description="What the tool returned; null for a dry run.")
    execution_ms: float = Field(description="How long the tool ran, Leap included (also in Server-Timing).")


def _usable(tool: Tool[Any]) -> bool:
    return tool.tier is not Tier.RESTRICTED


@router.get(
    "", summary="The tools this key may run", responses=documented(*AUTH_PROBLEMS, INSUFFICIENT_SCOPE)
)
async def list_tools(caller: ToolsCaller, admin: Admin) -> list[ToolInfo]:
    """Every tool the key may run, less those whose endpoint this company's Leap was found to lack."""
    ctx = _context(caller)
    account = await CapabilityStore(admin.redis).get(caller.tenant_id)
    return [
        ToolInfo(
            name=tool.name,
            description=tool.description,
            tier="read" if tool.tier is Tier.READ else "write",
            area=tool.area,
            input_schema=tool.json_schema(),
        )
        for tool in registry().values()
        if _usable(tool)
        and may_use(ctx, tool.tier, tool.area).allowed
        and (account is None or account.offers_tool(tool.name))
    ]


def _context(caller: TenantCredential) -> CallContext:
    """Each request is a session of the Direct Tools channel of its own."""
    return acting_as(caller, new_session_id(SessionKind.API))


async def _arguments(request: Request, tool: Tool[Any]) -> dict[str, Any]:
    """The JSON object body (empty means no arguments), checked against the tool's schema."""
    raw = await request.body()
    try:
        args = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise ApiProblem(
            VALIDATION_ERROR, "The body is not valid JSON; send a JSON object of arguments."
        ) from None
    if not isinstance(args, dict):
        raise ApiProblem(VALIDATION_ERROR, f"Send the arguments as a JSON object, not {type(args).__name__}.")
    try:
        tool.args_model.model_validate(args)
    except ValidationError as error:
        errors = field_errors({**item, "loc": ("body", *item["loc"])} for item in error.errors())
        raise ApiProblem(
            VALIDATION_ERROR,
            f"Fix these arguments and send the request again: {describe(errors)}",
            errors=errors,
        ) from None
    return args


def _answer(tool: Tool[Any], outcome: ToolOutcome, execution_ms: float) -> dict[str, Any]:
    """The response body for what ``run_direct`` did, or the problem it amounts to."""
    raise_for_failure(outcome)
    content, status = outcome.content, outcome.event.status
    if tool.tier is Tier.READ:
        body = ToolResult(
            tool=tool.name, status="ok", summary=None, result=content, execution_ms=execution_ms
        )
    elif status is ToolStatus.DRY_RUN:
        summary = str(content.get("summary"))
        body = ToolResult(
            tool=tool.name, status="dry_run", summary=summary, result=None, execution_ms=execution_ms
        )
    else:
        body = ToolResult(
            tool=tool.name,
            status="ok",
            summary=str(content.get("summary")),
            result=content.get("result"),
            execution_ms=execution_ms,
        )
    return body.model_dump(mode="json")


def _response(body: dict[str, Any], *, replayed: bool = False) -> JSONResponse:
    headers = {"Server-Timing": f"tool;dur={body['execution_ms']:.1f}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(body, headers=headers)


async def _execute(
    admin: AdminDeps, tool: Tool[Any], ctx: CallContext, args: dict[str, Any], *, dry_run: bool
) -> dict[str, Any]:
    toolbox = await admin.brain.toolbox(ctx)
    if toolbox.crm is None:
        raise ApiProblem(
            LEAP_NOT_CONNECTED,
            f"Tenant {ctx.tenant_id} works the real Leap and has no Leap key yet: connect one with "
            f'PUT /v1/tenants/{ctx.tenant_id}/leap {{"token": "..."}}, or create the tenant with '
            '"crm": "sandbox" to try Hard-E on the demo CRM first.',
        )
    started = time.perf_counter()
    outcome = await toolbox.run_direct(tool.name, args, dry_run=dry_run)
    execution_ms = round((time.perf_counter() - started) * 1000, 1)
    await admin.usage.add_tool_call(ctx.tenant_id)
    return _answer(tool, outcome, execution_ms)


async def run_tool(
    tool: Tool[Any],
    request: Request,
    admin: AdminDeps,
    caller: TenantCredential,
    *,
    dry_run: bool = False,
    idempotency_key: str | None = None,
) -> Response:
    ctx = _context(caller)
    decision = may_use(ctx, tool.tier, tool.area)
    if not decision.allowed:
        await admin.audit.tool_run(
            ctx.tenant_id, channel=ctx.channel.value, actor=ctx.actor, session=ctx.session_id,
            tool=tool.name, args={}, outcome=ToolStatus.REFUSED, latency_ms=0, detail=decision.reason,
        )  # fmt: skip
        raise ApiProblem(TOOL_REFUSED, decision.reason)
    args = await _arguments(request, tool)
    ensure_trial_active(await admin.tenants.get_tenant(caller.tenant_id))
    if idempotency_key is None:
        return _response(await _execute(admin, tool, ctx, args, dry_run=dry_run))
    return await _idempotent(admin, tool, ctx, caller, args, dry_run=dry_run, idempotency_key=idempotency_key)


async def _idempotent(
    admin: AdminDeps,
    tool: Tool[Any],
    ctx: CallContext,
    caller: TenantCredential,
    args: dict[str, Any],
    *,
    dry_run: bool,
    idempotency_key: str,
) -> Response:
    store, tenant_id, who = admin.idempotency, caller.tenant_id, caller.actor
    request_print = fingerprint(tool.name, args, dry_run)
    claim = await store.claim(tenant_id, who, idempotency_key, request_print)
    if isinstance(claim, Replay):
        return _response(claim.answer.body, replayed=True)
    if isinstance(claim, Mismatch):
        raise ApiProblem(
            IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key was used with a different request; use a new key."
        )
    if isinstance(claim, InProgress):
        raise ApiProblem(
            IDEMPOTENCY_IN_PROGRESS,
            "The first request with this Idempotency-Key is still running; retry shortly.",
            headers={"Retry-After": "1"},
        )
    assert isinstance(claim, Claimed)
    try:
        body = await _execute(admin, tool, ctx, args, dry_run=dry_run)
    except BaseException:  # refused or failed: nothing was changed, so the retry may run again
        await store.release(tenant_id, who, idempotency_key)
        raise
    await store.store(tenant_id, who, idempotency_key, request_print, StoredAnswer(body))
    return _response(body)


def _register(tool: Tool[Any]) -> None:
    """One route per tool, whose request body is documented with the tool's own schema."""
    schema = tool.json_schema()
    body = {
        "required": bool(schema.get("required")),
        "content": {"application/json": {"schema": schema}},
    }
    if tool.tier is Tier.READ:

        async def read(request: Request, admin: Admin, caller: ReadCaller) -> Response:
            return await run_tool(tool, request, admin, caller)

        endpoint: Any = read
        problems: tuple[ProblemType, ...] = _RUN_PROBLEMS
    else:

        async def write(
            request: Request,
            admin: Admin,
            caller: WriteCaller,
            dry_run: DryRun = False,
            idempotency_key: IdempotencyKey = None,
        ) -> Response:
            return await run_tool(
                tool, request, admin, caller, dry_run=dry_run, idempotency_key=idempotency_key
            )

        endpoint = write
        problems = (*_RUN_PROBLEMS, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_IN_PROGRESS)
    router.add_api_route(
        f"/{tool.name}",
        endpoint,
        methods=["POST"],
        name=f"run_{tool.name}",
        summary=f"Run {tool.name} ({tool.tier.value})",
        description=tool.description,
        response_model=ToolResult,
        responses=documented(*problems),
        openapi_extra={"requestBody": body},
    )


for _tool in registry().values():
    if _usable(_tool):
        _register(_tool)


@router.post("/{name}", include_in_schema=False)
async def unknown_tool(name: Annotated[str, Path(max_length=100)], caller: ToolsCaller) -> Response:
    """Tools without a route: restricted ones (refused, with who can do it instead) or no such tool."""
    tool = registry().get(name)
    if tool is not None:
        raise ApiProblem(TOOL_REFUSED, may_use(_context(caller), tool.tier, tool.area).reason)
    raise ApiProblem(
        TOOL_NOT_FOUND, f"There is no tool called '{name}'. GET /v1/tools lists the ones this key may run."
    )
