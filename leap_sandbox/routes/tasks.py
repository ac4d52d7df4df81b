"""Tasks (reference §10, proposed): Leap's internal task form carried onto v3."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from leap_sandbox import presenters_activity as activity
from leap_sandbox.clock import company_now
from leap_sandbox.dataset import API_USER
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data, Page
from leap_sandbox.envelopes import item, ok, page_of
from leap_sandbox.errors import BusinessRuleError, ValidationFailed
from leap_sandbox.models import Task
from leap_sandbox.routes.jobs import live_job
from leap_sandbox.validation import Validator

router = APIRouter(tags=["tasks (proposed)"])

TASK_STATUSES = ("pending", "completed")
REMINDER_TYPES = ("hour", "day", "week", "month", "year")


@router.get("/tasks", summary="List tasks (proposed)")
async def list_tasks(
    request: Request,
    ds: Data,
    paging: Page,
    users: Annotated[list[int], Query(alias="users[]", default_factory=list)],
    job_id: int | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    if status is not None and status not in TASK_STATUSES:
        raise ValidationFailed({"status": ["The selected status is invalid."]})

    def wanted(task: Task) -> bool:
        return (
            (job_id is None or task.job_id == job_id)
            and (not users or any(u in users for u in task.user_ids))
            and (status is None or (task.completed is not None) == (status == "completed"))
        )

    found = sorted(
        (t for t in ds.tasks.values() if wanted(t)), key=lambda t: (t.due_date is None, t.due_date, t.id)
    )
    return page_of(found, paging, request.url, lambda t: activity.task(ds, t))


@router.get("/tasks/{task_id:int}", summary="Get one task (proposed)")
async def get_task(task_id: int, ds: Data) -> dict[str, Any]:
    return item(activity.task(ds, ds.find(ds.tasks, task_id, "Task")))


@router.post("/tasks", summary="Create a task (proposed)", openapi_extra=FORM_BODY_DOC)
async def create_task(ds: Data, body: Body) -> dict[str, Any]:
    v = Validator(body)
    title = v.text("title", required=True)
    user_ids = v.int_list("users", required=True, among=ds.users)
    job_id = v.integer("job_id", among=ds.jobs)
    locked = v.flag("locked") or 0
    stage_code = v.text("stage_code", required=bool(locked))
    if stage_code is not None and ds.stage(stage_code) is None:
        v.fail("stage_code", "The selected stage code is invalid.")
    if locked and job_id is None:
        v.fail("job_id", "The job id field is required when locked is 1.")
    reminder_type = v.choice("reminder_type", REMINDER_TYPES)
    task_fields: dict[str, Any] = {
        "notes": v.text("notes", max_length=5000),
        "due_date": v.day("due_date"),
        "notify_user_ids": v.int_list("notify_users", among=ds.users) or [],
        "is_high_priority_task": v.flag("is_high_priority_task") or 0,
        "reminder_type": reminder_type,
        "reminder_frequency": v.integer("reminder_frequency", required=reminder_type is not None),
    }
    v.check()
    assert title is not None and user_ids
    if job_id is not None:
        live_job(ds, job_id)
    now = company_now()
    task = Task(
        id=ds.next_id("task"),
        title=title,
        user_ids=user_ids,
        created_by=API_USER.id,
        created_at=now,
        updated_at=now,
        job_id=job_id,
        stage_code=stage_code,
        locked=locked,
        **task_fields,
    )
    ds.tasks[task.id] = task
    ds.emit("tasks", "create", task.id)
    return ok(message="Task saved successfully.", data=activity.task(ds, task))


@router.put(
    "/tasks/{task_id:int}",
    summary="Change a task: title, assignees, due date (proposed)",
    openapi_extra=FORM_BODY_DOC,
)
async def update_task(task_id: int, ds: Data, body: Body) -> dict[str, Any]:
    task = ds.find(ds.tasks, task_id, "Task")
    v = Validator(body)
    changes: dict[str, Any] = {
        "title": v.text("title", required=v.sent("title")),
        "user_ids": v.int_list("users", required=v.sent("users"), among=ds.users),
        "notify_user_ids": v.int_list("notify_users", among=ds.users),
        "due_date": v.day("due_date"),
        "notes": v.text("notes", max_length=5000),
        "is_high_priority_task": v.flag("is_high_priority_task"),
    }
    v.check()
    for field, value in changes.items():
        if value is not None:
            setattr(task, field, value)
    for clearable in ("due_date", "notes"):  # sent empty: cleared (how an undo restores "no due date")
        if v.sent(clearable) and not v.present(clearable):
            setattr(task, clearable, None)
    task.updated_at = company_now()
    return ok(message="Task updated successfully.", data=activity.task(ds, task))


@router.put("/tasks/{task_id:int}/complete", summary="Mark a task complete (proposed)")
async def complete_task(task_id: int, ds: Data) -> dict[str, Any]:
    task = ds.find(ds.tasks, task_id, "Task")
    if task.completed is not None:
        raise BusinessRuleError("Task already completed.")
    task.completed = task.updated_at = company_now()
    task.completed_by = API_USER.id
    ds.emit("tasks", "complete", task.id)
    return ok(message="Task completed successfully.", data=activity.task(ds, task))


@router.put("/tasks/{task_id:int}/reopen", summary="Mark a completed task pending again (invented; undo)")
async def reopen_task(task_id: int, ds: Data) -> dict[str, Any]:
    task = ds.find(ds.tasks, task_id, "Task")
    if task.completed is None:
        raise BusinessRuleError("Task is not completed.")
    task.completed = task.completed_by = None
    task.updated_at = company_now()
    return ok(message="Task reopened successfully.", data=activity.task(ds, task))


@router.delete("/tasks/{task_id:int}", summary="Delete a task (proposed)")
async def delete_task(task_id: int, ds: Data) -> dict[str, Any]:
    task = ds.find(ds.tasks, task_id, "Task")
    del ds.tasks[task.id]
    return ok(message="Task deleted successfully.")
