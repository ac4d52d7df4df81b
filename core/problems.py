"""Errors as ``application/problem+json`` (RFC 9457): the shape every HTTP door answers with.

Each kind of error is a ``ProblemType`` with a stable ``type`` URI; a client branches on it, shows
``detail`` (it says what to do next), and reads ``errors`` for field-level problems. The shape and
the kinds more than one door uses (credentials, trials, request size) live here, below the entry
packages, so the admin API and the browser-call door answer alike without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

PROBLEM_BASE = "https://hard-e.dev/problems/"
MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug


# --- kinds shared by the HTTP doors ------------------------------------------------------------
BAD_REQUEST = ProblemType("bad-request", 400, "The request could not be read")
MISSING_CREDENTIAL = ProblemType("missing-credential", 401, "No credential was sent")
INVALID_CREDENTIAL = ProblemType("invalid-credential", 401, "The credential is not valid")
EXPIRED_CREDENTIAL = ProblemType("expired-credential", 401, "The credential has expired")
TRIAL_EXPIRED = ProblemType("trial-expired", 402, "The trial has ended")
TRIAL_LIMIT_REACHED = ProblemType("trial-limit-reached", 402, "The trial's allowance is used up")
TENANT_NOT_FOUND = ProblemType("tenant-not-found", 404, "No such tenant")
REQUEST_TOO_LARGE = ProblemType("request-too-large", 413, "The request body is too large")
VALIDATION_ERROR = ProblemType("validation-error", 422, "The request is not valid")
INTERNAL_ERROR = ProblemType("internal-error", 500, "Something went wrong on our side")


class FieldError(BaseModel):
    loc: list[str | int] = Field(
        description="Where the problem is: `body`, `query`, `path` or `header`, then the field."
    )
    msg: str
    type: str = Field(description="Pydantic's error type, e.g. `missing`, `string_too_short`.")


class Problem(BaseModel):
    """An error (RFC 9457). ``type`` is stable; ``detail`` says what to do next."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "https://hard-e.dev/problems/insufficient-scope",
                    "title": "The credential lacks a scope",
                    "status": 403,
                    "detail": "This API key lacks the 'tools:write' scope. Create a key with it.",
                    "instance": "/v1/tools/add_job_note",
                }
            ]
        }
    )

    type: str = Field(description="A URI naming the kind of error; stable, safe to branch on.")
    title: str
    status: int
    detail: str
    instance: str | None = Field(None, description="The request path.")
    errors: list[FieldError] | None = Field(None, description="Field-level problems, for `validation-error`.")


class ApiProblem(Exception):
    """Raise to answer with a problem."""

    def __init__(
        self,
        kind: ProblemType,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.headers = dict(headers or {})
        self.errors = errors


def problem_response(
    kind: ProblemType,
    detail: str,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: list[FieldError] | None = None,
) -> JSONResponse:
    body = Problem(
        type=kind.uri, title=kind.title, status=kind.status, detail=detail, instance=instance, errors=errors
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=kind.status,
        headers=dict(headers or {}),
        media_type=MEDIA_TYPE,
    )


def documented(*kinds: ProblemType) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry of a route that may answer with these problems."""
    by_status: dict[int, list[ProblemType]] = {}
    for kind in kinds:
        by_status.setdefault(kind.status, []).append(kind)
    return {
        status: {
            "model": Problem,
            "description": "; ".join(f"`{kind.slug}`: {kind.title}" for kind in group),
        }
        for status, group in sorted(by_status.items())
    }
