"""The tenant's audit trail: every tool run, key change, setting change and login, newest first;
filtered, paged, or exported whole as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.auth import TenantAccess, tenant_access
from api.deps import Admin, AdminDeps
from api.problems import VALIDATION_ERROR, ApiProblem, documented
from api.routes.common import TENANT_AUTH_PROBLEMS
from tenants import Scope
from tenants.audit import AuditEntry, AuditFilter, valid_cursor

router = APIRouter(prefix="/v1/tenants/{tenant_id}/audit", tags=["audit"])

CSV_COLUMNS: tuple[str, ...] = tuple(AuditEntry.model_fields)
CSV_PAGE = 500
CSV_MAX_ROWS = 200_000
"""An export stops here (the archive holds the rest); a filter or a time range narrows it."""


def _cursor(value: str | None) -> str | None:
    if value is not None and not valid_cursor(value):
        raise ValueError("not a cursor from a previous page (they look like '1714572000000-0')")
    return value


def _utc(value: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC (the trail's own clock)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class AuditPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entries": [
                        {
                            "id": "1714572000000-0",
                            "at": "2024-05-01T14:00:00Z",
                            "channel": "admin",
                            "actor": "user:u_3f9a1c2b7d4e",
                            "tool": None,
                            "event": "api_key.created",
                            "outcome": "ok",
                            "detail": "k_8d2f zapier",
                            "session": None,
                            "args_digest": None,
                            "latency_ms": None,
                        }
                    ],
                    "next_cursor": "1714572000000-0",
                }
            ]
        }
    )

    entries: list[AuditEntry]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null at the end."
    )


def _safe_cell(value: object) -> str:
    """A cell as text; one that a spreadsheet would run as a formula is prefixed with ' so it is
    shown, not run (details can hold text a caller or a document supplied)."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(rows: Sequence[AuditEntry], *, header: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for entry in rows:
        writer.writerow([_safe_cell(getattr(entry, column)) for column in CSV_COLUMNS])
    return out.getvalue()


async def _export(
    admin: AdminDeps, tenant_id: str, where: AuditFilter, cursor: str | None
) -> AsyncIterator[str]:
    """The whole filtered trail, page by page, newest first: memory stays flat however long it is."""
    yield csv_lines((), header=True)
    written = 0
    while written < CSV_MAX_ROWS:
        entries, cursor = await admin.audit.page(tenant_id, where, cursor=cursor, limit=CSV_PAGE)
        yield csv_lines(entries, header=False)
        written += len(entries)
        if cursor is None:
            return


@router.get(
    "",
    summary="Read the audit trail, or export it as CSV",
    response_model=AuditPage,
    description=(
        "Newest first, across the live stream and the archive. Filter by time, tool, actor (or API key or "
        "user) and admin event (`api_key.created`, or a family like `api_key.`); follow `next_cursor` for "
        "older entries. A sparse filter may return a short page with a cursor: keep following it until it "
        "is null. `format=csv` streams every matching entry (up to 200,000) as one CSV file with a header "
        "row, ignoring `limit`."
    ),
    responses={
        **documented(*TENANT_AUTH_PROBLEMS),
        200: {
            "content": {
                "application/json": {},
                "text/csv": {
                    "example": ",".join(CSV_COLUMNS) + "\r\n1714572000000-0,2024-05-01T14:00:00+00:00,..."
                },
            },
            "description": "A page of entries (JSON), or the CSV export.",
        },
    },
)
async def read_audit(
    admin: Admin,
    access: Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))],
    since: Annotated[datetime | None, Query(description="Only entries at or after this time.")] = None,
    until: Annotated[datetime | None, Query(description="Only entries at or before this time.")] = None,
    tool: Annotated[str | None, Query(max_length=64, description="Only runs of this tool.")] = None,
    actor: Annotated[
        str | None,
        Query(max_length=80, description="Only what this actor did: `user:<id>`, `key:<id>`, `operator`."),
    ] = None,
    key: Annotated[str | None, Query(max_length=64, description="Only what this API key id did.")] = None,
    user: Annotated[str | None, Query(max_length=64, description="Only what this user id did.")] = None,
    event: Annotated[
        str | None, Query(max_length=64, description="Only this admin event, or a family ending in `.`.")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=40), AfterValidator(_cursor)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    format: Annotated[
        Literal["json", "csv"], Query(description="`csv` exports every matching entry.")
    ] = "json",
) -> AuditPage | StreamingResponse:
    if sum(value is not None for value in (actor, key, user)) > 1:
        raise ApiProblem(
            VALIDATION_ERROR, "Filter by one of actor, key or user, not several: one entry has one actor."
        )
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and since > until:
        raise ApiProblem(VALIDATION_ERROR, "since is later than until; swap them or widen the range.")
    who = actor or (f"key:{key}" if key else f"user:{user}" if user else None)
    where = AuditFilter(since=since, until=until, tool=tool, actor=who, event=event)
    if format == "csv":
        filename = f"audit-{access.tenant_id}-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv"
        return StreamingResponse(
            _export(admin, access.tenant_id, where, cursor),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    entries, next_cursor = await admin.audit.page(access.tenant_id, where, cursor=cursor, limit=limit)
    return AuditPage(entries=entries, next_cursor=next_cursor)
