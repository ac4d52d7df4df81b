"""What several routers share: the problems authentication can answer with, how a credential acts
as a caller of the brain's tools, and small helpers."""

from __future__ import annotations

from pydantic import ValidationError

from api.principals import TenantCredential
from api.problems import (
    BAD_REQUEST,
    EXPIRED_CREDENTIAL,
    INSUFFICIENT_SCOPE,
    INVALID_CREDENTIAL,
    LEAP_BUSY,
    LEAP_UNAVAILABLE,
    MISSING_CREDENTIAL,
    OPERATOR_NOT_CONFIGURED,
    RATE_LIMITED,
    TOOL_FAILED,
    TOOL_REFUSED,
    VALIDATION_ERROR,
    WRONG_TENANT,
    ApiProblem,
)
from brain import CallContext, Channel, ToolOutcome, ToolStatus
from core.validation import readable_errors

AUTH_PROBLEMS = (
    BAD_REQUEST,
    MISSING_CREDENTIAL,
    INVALID_CREDENTIAL,
    EXPIRED_CREDENTIAL,
    OPERATOR_NOT_CONFIGURED,
    RATE_LIMITED,
    VALIDATION_ERROR,
)
"""Every authenticated route may answer with these (400 and 422: a body, path or query it cannot use)."""

TENANT_AUTH_PROBLEMS = (*AUTH_PROBLEMS, WRONG_TENANT, INSUFFICIENT_SCOPE)
"""Routes under /v1/tenants/{tenant_id} that the tenant's own credentials may use."""

TOOL_FAILURES = (TOOL_REFUSED, TOOL_FAILED, LEAP_UNAVAILABLE, LEAP_BUSY)
"""What running a tool through the brain can end in (see ``raise_for_failure``)."""


def acting_as(caller: TenantCredential, session_id: str) -> CallContext:
    """The brain's caller for a request: an API key acts by its scopes; a signed-in person (the web
    app) by their role, as on a call. ``session_id`` is where its tool calls are kept."""
    return CallContext(
        tenant_id=caller.tenant_id,
        session_id=session_id,
        channel=Channel.API,
        api_key_id=caller.key_id,
        scopes=caller.scopes,
        role=None if caller.key_id else caller.role,
        user_id=None if caller.key_id else caller.user_id,
    )


def raise_for_failure(outcome: ToolOutcome) -> None:
    """A tool run that did not succeed, as the problem it amounts to (refused, Leap busy or down,
    or the tool could not do it); a success returns."""
    content, status = outcome.content, outcome.event.status
    if status is ToolStatus.REFUSED:
        raise ApiProblem(TOOL_REFUSED, str(content.get("refused")))
    if status is ToolStatus.BUSY:  # the tenant's Leap budget is queued full: come back, not broken
        retry_after = str(content.get("retry_after", 1))
        raise ApiProblem(LEAP_BUSY, str(content.get("error")), headers={"Retry-After": retry_after})
    if status is ToolStatus.UNAVAILABLE:
        raise ApiProblem(LEAP_UNAVAILABLE, str(content.get("error")))
    if outcome.is_error:
        raise ApiProblem(TOOL_FAILED, str(content.get("error")))


def invalid(error: ValueError) -> ApiProblem:
    """A model's or store's ValueError (it names the field and what is wrong) as a 422 problem."""
    detail = readable_errors(error) if isinstance(error, ValidationError) else str(error)
    return ApiProblem(VALIDATION_ERROR, f"{detail}. Fix it and send the request again.")
