"""The tenant's audit trail: every tool run, key change, setting change and login, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, BaseModel, Field

from api.auth import TenantAccess, tenant_access
from api.deps import Admin
from api.problems import VALIDATION_ERROR, ApiProblem, documented
from api.routes.common import TENANT_AUTH_PROBLEMS
from tenants import Scope
from tenants.audit import AuditEntry, AuditFilter, valid_cursor

router = APIRouter(prefix="/v1/tenants/{tenant_id}/audit", tags=["audit"])


def _cursor(value: str | None) -> str | None:
    if value is not None and not valid_cursor(value):
        raise ValueError("not a cursor from a previous page (they look like '1714572000000-0')")
    return value


def _utc(value: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC (the trail's own clock)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null at the end."
    )


@router.get(
    "",
    summary="Read the audit trail",
    description=(
        "Newest first, across the live stream and the archive. Filter by time, tool, API key or user; "
        "follow `next_cursor` for older entries. A sparse filter may return a short page with a cursor: "
        "keep following it until it is null."
    ),
    responses=documented(*TENANT_AUTH_PROBLEMS),
)
async def read_audit(
    admin: Admin,
    access: Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))],
    since: Annotated[datetime | None, Query(description="Only entries at or after this time.")] = None,
    until: Annotated[datetime | None, Query(description="Only entries at or before this time.")] = None,
    tool: Annotated[str | None, Query(max_length=64, description="Only runs of this tool.")] = None,
    key: Annotated[str | None, Query(max_length=64, description="Only what this API key id did.")] = None,
    user: Annotated[str | None, Query(max_length=64, description="Only what this user id did.")] = None,
    cursor: Annotated[str | None, Query(max_length=40), AfterValidator(_cursor)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    if key and user:
        raise ApiProblem(
            VALIDATION_ERROR, "Filter by an API key or by a user, not both: one entry has one actor."
        )
    actor = f"key:{key}" if key else f"user:{user}" if user else None
    where = AuditFilter(since=_utc(since), until=_utc(until), tool=tool, actor=actor)
    entries, next_cursor = await admin.audit.page(access.tenant_id, where, cursor=cursor, limit=limit)
    return AuditPage(entries=entries, next_cursor=next_cursor)
