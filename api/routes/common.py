"""What several routers share: the problems authentication can answer with, and small helpers."""

from __future__ import annotations

from pydantic import ValidationError

from api.problems import (
    BAD_REQUEST,
    EXPIRED_CREDENTIAL,
    INSUFFICIENT_SCOPE,
    INVALID_CREDENTIAL,
    MISSING_CREDENTIAL,
    OPERATOR_NOT_CONFIGURED,
    RATE_LIMITED,
    VALIDATION_ERROR,
    WRONG_TENANT,
    ApiProblem,
)
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


def invalid(error: ValueError) -> ApiProblem:
    """A model's or store's ValueError (it names the field and what is wrong) as a 422 problem."""
    detail = readable_errors(error) if isinstance(error, ValidationError) else str(error)
    return ApiProblem(VALIDATION_ERROR, f"{detail}. Fix it and send the request again.")
