"""FastAPI dependencies the v3 routes share: the caller's dataset, paging, includes, write bodies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from leap_sandbox.controller import Sandbox
from leap_sandbox.dataset import Dataset
from leap_sandbox.envelopes import Paging
from leap_sandbox.errors import LeapError
from leap_sandbox.forms import read_body
from leap_sandbox.gateway import TOKEN_SCOPE_KEY


def current_dataset(request: Request) -> Dataset:
    """The dataset of the token the gateway admitted."""
    token = request.scope.get(TOKEN_SCOPE_KEY)
    if token is None:  # only reachable if the gateway was bypassed
        raise LeapError(401, "Unauthenticated.")
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox.dataset(token)


def paging(
    limit: Annotated[
        str | None, Query(description="Page size: default 10, values above 100 become 100.")
    ] = None,
    page: Annotated[str | None, Query(description="1-based page number.")] = None,
) -> Paging:
    return Paging.from_query(limit, page)


async def write_body(request: Request) -> dict[str, Any]:
    return await read_body(request)


Data = Annotated[Dataset, Depends(current_dataset)]
Page = Annotated[Paging, Depends(paging)]
Body = Annotated[dict[str, Any], Depends(write_body)]
Includes = Annotated[
    list[str], Query(alias="includes[]", default_factory=list, description="Related records to embed.")
]

FORM_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "description": "Form-encoded with PHP bracket keys (`phones[0][number]`, `trades[]`), or JSON.",
        "content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
            "multipart/form-data": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
"""Routes read their bodies by hand (bracket keys); this tells OpenAPI readers what they accept."""
