"""Tasks: to-dos for company users, optionally on a job, with a due date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from crm_leap.errors import ToolError
from crm_leap.tools.base import Args, ReadTool, ToolContext, Undo, WriteResult, WriteTool
from crm_leap.tools.common import fetch_job, job_label, quoted, resolve_users, spoken_date
from crm_leap.tools.views import names, task_view

AREA = "tasks"


class ListTasksArgs(Args):
    job_id: int | None = Field(None, description="Only tasks on this job.")
    assignee: str | None = Field(None, description="Only tasks of this company user (name).")
    include_done: bool = Field(False, description="Also list completed tasks.")
    limit: int = Field(20, ge=1, le=50)


class ListTasks(ReadTool[ListTasksArgs]):
    name = "list_tasks"
    area = AREA
    description = "Open tasks (to-dos), for a job or a company user; optionally completed ones too."
    args_model = ListTasksArgs

    async def handle(self, ctx: ToolContext, args: ListTasksArgs) -> dict[str, Any]:
        user = await ctx.company.resolve_user(args.assignee) if args.assignee else None
        page = await ctx.leap.list_tasks(
            job_id=args.job_id,
            user_ids=[user.id] if user else [],
            completed=None if args.include_done else False,
            limit=args.limit,
        )
        return {"total": page.total, "tasks": [task_view(task) for task in page.items]}


class CreateTaskArgs(Args):
    title: str = Field(min_length=1, max_length=250, description="What has to be done.")
    assign_to: list[str] = Field(min_length=1, description="Company users who should do it (names).")
    job_id: int | None = Field(None, description="The job it belongs to, if any.")
    due_date: date | None = Field(None, description="When it is due (YYYY-MM-DD).")
    notes: str | None = Field(None, description="Details for the assignee.")
    high_priority: bool = False


class ResolvedTask(BaseModel):
    title: str
    assignee_ids: list[int]
    assignees: list[str]
    job_id: int | None
    due_date: date | None
    notes: str | None
    high_priority: bool


class CreateTask(WriteTool[CreateTaskArgs, ResolvedTask]):
    name = "create_task"
    area = AREA
    description = "Create a task (to-do) for one or more company users, optionally on a job, with a due date."
    args_model = CreateTaskArgs
    resolved_model = ResolvedTask

    async def plan(self, ctx: ToolContext, args: CreateTaskArgs) -> tuple[str, ResolvedTask]:
        users = await resolve_users(ctx, args.assign_to)
        on_job = ""
        if args.job_id is not None:
            on_job = f" on {job_label(await fetch_job(ctx, args.job_id, includes=('customer',)))}"
        due = f", due {spoken_date(args.due_date)}" if args.due_date else ""
        resolved = ResolvedTask(
            title=args.title,
            assignee_ids=[user.id for user in users],
            assignees=[user.full_name for user in users],
            job_id=args.job_id,
            due_date=args.due_date,
            notes=args.notes,
            high_priority=args.high_priority,
        )
        priority = "high-priority " if args.high_priority else ""
        summary = (
            f"Create {priority}task {quoted(args.title)}{on_job} for {', '.join(resolved.assignees)}{due}."
        )
        return summary, resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedTask) -> WriteResult:
        task = await ctx.leap.create_task(
            title=resolved.title,
            assignee_ids=resolved.assignee_ids,
            job_id=resolved.job_id,
            due_date=resolved.due_date,
            notes=resolved.notes,
            high_priority=resolved.high_priority,
        )
        undo = Undo(
            op=self.name,
            args={"task_id": task["id"], "title": resolved.title},
            summary=f"Delete the task {quoted(resolved.title)} just created.",
        )
        return WriteResult(result=task_view(task), undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        await ctx.leap.delete_task(int(args["task_id"]))
        return f"Deleted the task {quoted(str(args['title']))}."


class CompleteTaskArgs(Args):
    task_id: int = Field(description="The task's id (from list_tasks).")


class ResolvedCompletion(BaseModel):
    task_id: int
    title: str


class CompleteTask(WriteTool[CompleteTaskArgs, ResolvedCompletion]):
    name = "complete_task"
    area = AREA
    description = "Mark a task (to-do) as done. Find its id with list_tasks first. Undo marks it open again."
    args_model = CompleteTaskArgs
    resolved_model = ResolvedCompletion

    async def plan(self, ctx: ToolContext, args: CompleteTaskArgs) -> tuple[str, ResolvedCompletion]:
        task = await ctx.leap.get_task(args.task_id)
        title = str(task.get("title") or f"#{args.task_id}")
        if task.get("completed"):
            raise ToolError(f"Task {quoted(title)} is already done (since {task['completed']}).")
        who = names(task.get("participants"))
        of = f" ({', '.join(who)})" if who else ""
        resolved = ResolvedCompletion(task_id=args.task_id, title=title)
        return f"Mark task {quoted(title)}{of} as done.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedCompletion) -> WriteResult:
        task = await ctx.leap.complete_task(resolved.task_id)
        undo = Undo(
            op=self.name,
            args={"task_id": resolved.task_id, "title": resolved.title},
            summary=f"Mark task {quoted(resolved.title)} as not done again.",
        )
        return WriteResult(result=task_view(task), undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        await ctx.leap.reopen_task(int(args["task_id"]))
        return f"Task {quoted(str(args['title']))} is open again."


class AssignTaskArgs(Args):
    task_id: int = Field(description="The task's id (from list_tasks).")
    assign_to: list[str] = Field(min_length=1, description="Company users who should do it instead (names).")


class ResolvedAssignment(BaseModel):
    task_id: int
    title: str
    assignee_ids: list[int]
    assignees: list[str]
    previous_ids: list[int]
    previous: list[str]


class AssignTask(WriteTool[AssignTaskArgs, ResolvedAssignment]):
    name = "assign_task"
    area = AREA
    description = (
        "Re-assign an existing task: give it to other company users (replaces who it is assigned to). "
        "Find its id with list_tasks first."
    )
    args_model = AssignTaskArgs
    resolved_model = ResolvedAssignment

    async def plan(self, ctx: ToolContext, args: AssignTaskArgs) -> tuple[str, ResolvedAssignment]:
        task = await ctx.leap.get_task(args.task_id)
        users = await resolve_users(ctx, args.assign_to)
        current = task.get("participants") or []
        resolved = ResolvedAssignment(
            task_id=args.task_id,
            title=str(task.get("title") or f"#{args.task_id}"),
            assignee_ids=[user.id for user in users],
            assignees=[user.full_name for user in users],
            previous_ids=[int(person["id"]) for person in current],
            previous=names(current),
        )
        if set(resolved.assignee_ids) == set(resolved.previous_ids):
            raise ToolError(
                f"Task {quoted(resolved.title)} is already assigned to {', '.join(resolved.assignees)}."
            )
        was = f" from {', '.join(resolved.previous)}" if resolved.previous else ""
        return f"Reassign task {quoted(resolved.title)}{was} to {', '.join(resolved.assignees)}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedAssignment) -> WriteResult:
        task = await ctx.leap.reassign_task(resolved.task_id, resolved.assignee_ids)
        undo = None
        if resolved.previous_ids:
            undo = Undo(
                op=self.name,
                args={
                    "task_id": resolved.task_id,
                    "title": resolved.title,
                    "assignee_ids": resolved.previous_ids,
                },
                summary=f"Give task {quoted(resolved.title)} back to {', '.join(resolved.previous)}.",
            )
        return WriteResult(result=task_view(task), undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        task = await ctx.leap.reassign_task(
            int(args["task_id"]), [int(item) for item in args["assignee_ids"]]
        )
        return f"Task {quoted(str(args['title']))} is back with {', '.join(names(task.get('participants')))}."
