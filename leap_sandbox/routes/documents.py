"""Job paperwork (reference §13, §14, proposed): proposals, estimates, all files, worksheets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from leap_sandbox import presenters_activity as activity
from leap_sandbox.dataset import Dataset
from leap_sandbox.deps import Data, Page
from leap_sandbox.envelopes import page_of
from leap_sandbox.errors import ValidationFailed
from leap_sandbox.models import DOCUMENT_KINDS, WORKSHEET_TYPES, JobDocument

router = APIRouter(tags=["documents (proposed)"])

PROPOSAL_STATUSES = ("draft", "sent", "viewed", "accepted", "rejected")


def _choice(field: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValidationFailed({field: [f"The selected {field} is invalid."]})


def _documents(
    ds: Dataset, kinds: tuple[str, ...], job_id: int | None, status: str | None = None
) -> list[JobDocument]:
    """Newest first."""
    return sorted(
        (
            d
            for d in ds.documents.values()
            if d.kind in kinds
            and (job_id is None or d.job_id == job_id)
            and (status is None or d.status == status)
        ),
        key=lambda d: (d.created_at, d.id),
        reverse=True,
    )


@router.get("/proposals", summary="Proposals, newest first (proposed)")
async def list_proposals(
    request: Request, ds: Data, paging: Page, job_id: int | None = None, status: str | None = None
) -> dict[str, Any]:
    _choice("status", status, PROPOSAL_STATUSES)
    found = _documents(ds, ("proposal",), job_id, status)
    return page_of(found, paging, request.url, activity.document_listing)


@router.get("/jobs/{job_id:int}/proposals", summary="A job's proposals (proposed)")
async def list_job_proposals(
    request: Request, job_id: int, ds: Data, paging: Page, status: str | None = None
) -> dict[str, Any]:
    ds.find(ds.jobs, job_id, "Job")
    _choice("status", status, PROPOSAL_STATUSES)
    found = _documents(ds, ("proposal",), job_id, status)
    return page_of(found, paging, request.url, activity.document_listing)


@router.get("/estimations", summary="Estimates, newest first (proposed)")
async def list_estimations(
    request: Request, ds: Data, paging: Page, job_id: int | None = None
) -> dict[str, Any]:
    found = _documents(ds, ("estimate",), job_id)
    return page_of(found, paging, request.url, activity.document_listing)


@router.get("/jobs/{job_id:int}/estimations", summary="A job's estimates (proposed)")
async def list_job_estimations(request: Request, job_id: int, ds: Data, paging: Page) -> dict[str, Any]:
    ds.find(ds.jobs, job_id, "Job")
    found = _documents(ds, ("estimate",), job_id)
    return page_of(found, paging, request.url, activity.document_listing)


@router.get("/jobs/{job_id:int}/documents", summary="Every file on a job, newest first (proposed, invented)")
async def list_job_documents(
    request: Request, job_id: int, ds: Data, paging: Page, type: str | None = None
) -> dict[str, Any]:
    ds.find(ds.jobs, job_id, "Job")
    _choice("type", type, DOCUMENT_KINDS)
    found = _documents(ds, (type,) if type else DOCUMENT_KINDS, job_id)
    return page_of(found, paging, request.url, activity.job_file)


@router.get("/worksheets", summary="Worksheets (line-item sheets), newest first (proposed, invented)")
async def list_worksheets(
    request: Request, ds: Data, paging: Page, job_id: int | None = None, type: str | None = None
) -> dict[str, Any]:
    _choice("type", type, WORKSHEET_TYPES)
    found = sorted(
        (
            w
            for w in ds.worksheets.values()
            if (job_id is None or w.job_id == job_id) and (type is None or w.type == type)
        ),
        key=lambda w: (w.created_at, w.id),
        reverse=True,
    )
    return page_of(found, paging, request.url, activity.worksheet)
