"""Proposals and estimations (reference §13, proposed): read-only listings per job or company-wide."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request

from crm_leap.sandbox import presenters_activity as activity
from crm_leap.sandbox.dataset import Dataset
from crm_leap.sandbox.deps import Data, Page
from crm_leap.sandbox.envelopes import page_of
from crm_leap.sandbox.errors import ValidationFailed
from crm_leap.sandbox.models import JobDocument

router = APIRouter(tags=["proposals (proposed)"])

PROPOSAL_STATUSES = ("draft", "sent", "viewed", "accepted", "rejected")


def _documents(
    ds: Dataset, kind: Literal["proposal", "estimation"], job_id: int | None, status: str | None
) -> list[JobDocument]:
    if status is not None and status not in PROPOSAL_STATUSES:
        raise ValidationFailed({"status": ["The selected status is invalid."]})
    return sorted(
        (
            d
            for d in ds.documents.values()
            if d.kind == kind
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
    return page_of(_documents(ds, "proposal", job_id, status), paging, request.url, activity.document)


@router.get("/jobs/{job_id:int}/proposals", summary="A job's proposals (proposed)")
async def list_job_proposals(
    request: Request, job_id: int, ds: Data, paging: Page, status: str | None = None
) -> dict[str, Any]:
    ds.find(ds.jobs, job_id, "Job")
    return page_of(_documents(ds, "proposal", job_id, status), paging, request.url, activity.document)


@router.get("/estimations", summary="Estimates, newest first (proposed)")
async def list_estimations(
    request: Request, ds: Data, paging: Page, job_id: int | None = None
) -> dict[str, Any]:
    return page_of(_documents(ds, "estimation", job_id, None), paging, request.url, activity.document)


@router.get("/jobs/{job_id:int}/estimations", summary="A job's estimates (proposed)")
async def list_job_estimations(request: Request, job_id: int, ds: Data, paging: Page) -> dict[str, Any]:
    ds.find(ds.jobs, job_id, "Job")
    return page_of(_documents(ds, "estimation", job_id, None), paging, request.url, activity.document)
