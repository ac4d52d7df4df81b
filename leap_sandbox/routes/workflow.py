"""Stage change (reference §5.2, proposed): Leap's internal `POST jobs/stage`, carried onto v3."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from leap_sandbox import presenters
from leap_sandbox.clock import company_now, format_timestamp
from leap_sandbox.dataset import API_USER, Dataset
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data
from leap_sandbox.envelopes import ok
from leap_sandbox.errors import BusinessRuleError
from leap_sandbox.models import Job, Stage
from leap_sandbox.routes.jobs import ARCHIVED_MESSAGE
from leap_sandbox.validation import Validator

router = APIRouter(tags=["jobs (proposed)"])

LOCKED_MESSAGE = "Please complete the pending task in the current workflow stage to proceed."


@router.post(
    "/jobs/stage",
    summary="Move a job to another workflow stage (proposed)",
    description="Form fields `job_id` and `stage` (a stage code), as in Leap's internal API.",
    openapi_extra=FORM_BODY_DOC,
)
async def change_stage(ds: Data, body: Body) -> dict[str, Any]:
    v = Validator(body)
    job_id = v.integer("job_id", required=True, among=ds.jobs)
    code = v.text("stage", required=True)
    if code is not None and ds.stage(code) is None:
        v.fail("stage", "The selected stage is invalid.")
    v.check()
    assert job_id is not None and code is not None
    return _move(ds, ds.jobs[job_id], code)


@router.put(
    "/jobs/{job_id:int}/stage",
    summary="Move a job to another workflow stage (proposed alias)",
    openapi_extra=FORM_BODY_DOC,
)
async def change_stage_of_job(job_id: int, ds: Data, body: Body) -> dict[str, Any]:
    job = ds.find(ds.jobs, job_id, "Job")
    v = Validator(body)
    code = v.text("stage", required=True)
    if code is not None and ds.stage(code) is None:
        v.fail("stage", "The selected stage is invalid.")
    v.check()
    assert code is not None
    return _move(ds, job, code)


def _move(ds: Dataset, job: Job, code: str) -> dict[str, Any]:
    if job.archived:
        raise BusinessRuleError(ARCHIVED_MESSAGE)
    previous, target = ds.stage(job.stage_code), ds.stage(code)
    assert previous is not None and target is not None
    if target.code != previous.code:
        _ensure_unlocked(ds, job, previous)
        _enter_stage(ds, job, target)
        ds.emit(
            "jobs",
            "stage_change",
            job.id,
            stage_moved_from=presenters.stage_ref(previous),
            stage_moved_to=presenters.stage_ref(target),
        )
    workflow = {
        "job_id": job.id,
        "current_stage": presenters.stage_ref(target),
        "previous_stage": presenters.stage_ref(previous),
        "stage_last_modified": format_timestamp(job.stage_last_modified),
        "modified_by": API_USER.id,
    }
    return ok(message="Stage saved successfully.", job_workflow=workflow)


def _ensure_unlocked(ds: Dataset, job: Job, current: Stage) -> None:
    """A pending task locked to the current stage blocks leaving it, as Leap's workflow tasks do."""
    blocking = [
        t
        for t in ds.tasks.values()
        if t.job_id == job.id and t.locked and t.completed is None and t.stage_code == current.code
    ]
    if blocking:
        raise BusinessRuleError(
            LOCKED_MESSAGE, locked_stages=[current.code], task_ids=[t.id for t in blocking]
        )


def _enter_stage(ds: Dataset, job: Job, target: Stage) -> None:
    """Stage dates follow the move both ways, so moving a job back (an undo) restores its old state."""
    now = company_now()
    job.stage_code = target.code
    job.stage_last_modified = now
    job.updated_at = now
    if ds.is_awarded(job):
        job.awarded_date = job.awarded_date or now.date()
        job.contract_signed_date = job.contract_signed_date or now.date()
    else:
        job.awarded_date = job.contract_signed_date = None
    job.completion_date = (
        (job.completion_date or now.date()) if target.position == ds.stages[-1].position else None
    )
