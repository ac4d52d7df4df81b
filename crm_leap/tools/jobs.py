"""Jobs: find them, see one whole, move it through the company's workflow."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import BaseModel, Field

from crm_leap import heard
from crm_leap.customer_names import names_of
from crm_leap.errors import LeapValidationError, ToolError
from crm_leap.tools.base import Args, ReadTool, RestrictedTool, ToolContext, Undo, WriteResult, WriteTool
from crm_leap.tools.common import fetch_job, job_label, job_stage, sentence
from crm_leap.tools.views import (
    appointment_view,
    job_brief,
    job_detail,
    money,
    note_view,
    person_name,
    schedule_view,
)

AREA = "jobs"
OVERVIEW_NOTES = 5
OVERVIEW_APPOINTMENTS = 5
OVERVIEW_SCHEDULE = 5


class FindJobsArgs(Args):
    keyword: str | None = Field(
        None, description="Words from the job or customer name, the address or the description."
    )
    job_number: str | None = Field(None, description="Leap job number, e.g. '2605-8627717-01'.")
    customer_id: int | None = Field(None, description="Only this customer's jobs.")
    stage: str | None = Field(None, description="Only jobs in this workflow stage, as the company names it.")
    sales_rep: str | None = Field(None, description="Only jobs of this sales rep (a company user's name).")
    include_archived: bool = Field(False, description="Also list archived jobs.")
    limit: int = Field(10, ge=1, le=50, description="How many jobs to return at most.")


class FindJobs(ReadTool[FindJobsArgs]):
    name = "find_jobs"
    area = AREA
    description = (
        "Search jobs by keyword, job number, customer, stage or sales rep; most recently updated first. "
        "A keyword that finds nothing is tried as a customer's name as it sounds ('Rodrigues roof'). "
        "Returns job ids, numbers, names, stages and customers; when the result has 'ask_back', put "
        "that question to the caller."
    )
    args_model = FindJobsArgs

    async def handle(self, ctx: ToolContext, args: FindJobsArgs) -> dict[str, Any]:
        stage = await ctx.company.resolve_stage(args.stage) if args.stage else None
        rep = await ctx.company.resolve_user(args.sales_rep) if args.sales_rep else None
        page = await ctx.leap.find_jobs(
            keyword=args.keyword,
            job_number=args.job_number,
            customer_id=args.customer_id,
            stage_codes=[stage.code] if stage else [],
            rep_ids=[rep.id] if rep else [],
            include_archived=args.include_archived,
            limit=args.limit,
        )
        answer: dict[str, Any] = {"total": page.total, "jobs": [job_brief(job) for job in page.items]}
        if args.keyword and not page.items:
            answer.update(await self._by_customer_heard_as(ctx, args))
        return answer

    @staticmethod
    async def _by_customer_heard_as(ctx: ToolContext, args: FindJobsArgs) -> dict[str, Any]:
        """Leap's keyword search needs the letters right; jobs are named after their customer, so a
        misheard keyword is tried as a customer's name, by sound, and their jobs are listed."""
        assert args.keyword
        ranked = heard.rank(args.keyword, await ctx.company.customers.all(), names_of, limit=3)
        if not ranked:
            return {}
        close = heard.too_close(ranked)
        customers = close or [ranked[0].item]
        pages = await asyncio.gather(
            *(
                ctx.leap.find_jobs(customer_id=int(customer["id"]), include_archived=args.include_archived)
                for customer in customers
            )
        )
        jobs = [job_brief(job) for page in pages for job in page.items][: args.limit]
        answer: dict[str, Any] = {"total": len(jobs), "jobs": jobs, "matched_customer_name": True}
        if close:
            answer["ask_back"] = heard.ask_back(args.keyword, [person_name(c) or "" for c in close])
        return answer


class JobOverviewArgs(Args):
    job_id: int = Field(description="The job's Leap id (from find_jobs).")


class JobOverview(ReadTool[JobOverviewArgs]):
    name = "job_overview"
    area = AREA
    description = (
        "Everything about one job at once: details and stage, customer, reps, latest notes, money "
        "(price, paid, owed), upcoming appointments and production schedule."
    )
    args_model = JobOverviewArgs

    async def handle(self, ctx: ToolContext, args: JobOverviewArgs) -> dict[str, Any]:
        legs = overview_legs(ctx, args.job_id)
        results = await asyncio.gather(*(leg() for leg in legs.values()))
        return assemble_overview(dict(zip(legs, results, strict=True)))


def overview_legs(ctx: ToolContext, job_id: int) -> dict[str, Callable[[], Awaitable[Any]]]:
    """The independent Leap reads a job overview is made of (the benchmark times them one by one too)."""
    return {
        "job": lambda: fetch_job(ctx, job_id),
        "notes": lambda: ctx.leap.list_job_notes(job_id, limit=OVERVIEW_NOTES),
        "financials": lambda: financials_or_reason(ctx, job_id),
        "appointments": lambda: ctx.leap.list_appointments(
            job_id=job_id, upcoming=True, limit=OVERVIEW_APPOINTMENTS
        ),
        "schedule": lambda: ctx.leap.list_schedules(job_id=job_id, limit=OVERVIEW_SCHEDULE),
    }


def assemble_overview(parts: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "job": job_detail(parts["job"]),
        "recent_notes": [note_view(note, {}) for note in parts["notes"].items],
        "financials": parts["financials"],
        "upcoming_appointments": [appointment_view(item) for item in parts["appointments"].items],
        "production_schedule": [schedule_view(entry) for entry in parts["schedule"].items],
    }


async def financials_or_reason(ctx: ToolContext, job_id: int) -> dict[str, Any]:
    """The money summary; a job not yet awarded has none, which is an answer, not an error."""
    try:
        summary = await ctx.leap.financial_summary(job_id)
    except LeapValidationError as refusal:
        if "not awarded" in refusal.message.lower():
            return {"status": "The job is not awarded yet, so it has no financials."}
        raise
    return {
        "price": money(summary.get("total_job_price")),
        "change_orders": money(summary.get("total_change_order_amount")),
        "paid": money(summary.get("total_payment_received")),
        "owed": money(summary.get("total_amount_owed")),
        "credits": money(summary.get("total_credit_amount")),
        "refunds": money(summary.get("total_refund_amount")),
    }


class ChangeJobStageArgs(Args):
    job_id: int = Field(description="The job's Leap id.")
    stage: str = Field(description="The stage to move to, as said: 'proposal sent', 'contract signed'...")


class ResolvedStageChange(BaseModel):
    job_id: int
    job: str
    stage_code: str
    stage_name: str
    from_code: str | None
    from_name: str | None


class ChangeJobStage(WriteTool[ChangeJobStageArgs, ResolvedStageChange]):
    name = "change_job_stage"
    area = AREA
    description = (
        "Move a job to another stage of the company's workflow (for example from Lead to Proposal Sent). "
        "Stage names are matched forgivingly."
    )
    args_model = ChangeJobStageArgs
    resolved_model = ResolvedStageChange

    async def plan(self, ctx: ToolContext, args: ChangeJobStageArgs) -> tuple[str, ResolvedStageChange]:
        job = await fetch_job(ctx, args.job_id, includes=("customer",))
        stage = await ctx.company.resolve_stage(args.stage)
        from_code, from_name = job_stage(job)
        label = job_label(job)
        if from_code == stage.code:
            raise ToolError(f"{sentence(label)} is already in {stage.name}.")
        resolved = ResolvedStageChange(
            job_id=args.job_id,
            job=label,
            stage_code=stage.code,
            stage_name=stage.name,
            from_code=from_code,
            from_name=from_name,
        )
        origin = f" from {from_name}" if from_name else ""
        return f"Move {label}{origin} to {stage.name}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedStageChange) -> WriteResult:
        await ctx.leap.change_job_stage(resolved.job_id, resolved.stage_code)
        undo = None
        if resolved.from_code:
            undo = Undo(
                op=self.name,
                args={
                    "job_id": resolved.job_id,
                    "job": resolved.job,
                    "back_to_code": resolved.from_code,
                    "back_to_name": resolved.from_name,
                    "expected_code": resolved.stage_code,
                },
                summary=f"Move {resolved.job} back to {resolved.from_name}.",
            )
        result = {
            "job_id": resolved.job_id,
            "stage": resolved.stage_name,
            "previous_stage": resolved.from_name,
        }
        return WriteResult(result=result, undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        """Move the job back, unless someone has moved it on since (then their move stands)."""
        job = await fetch_job(ctx, int(args["job_id"]), includes=())
        current_code, current_name = job_stage(job)
        if current_code != args["expected_code"]:
            raise ToolError(
                f"{sentence(str(args['job']))} has since moved to {current_name}; I left it there."
            )
        await ctx.leap.change_job_stage(int(args["job_id"]), str(args["back_to_code"]))
        return f"Moved {args['job']} back to {args['back_to_name']}."


class ArchiveJobArgs(Args):
    job_id: int = Field(description="The job's Leap id.")


class ResolvedArchive(BaseModel):
    job_id: int
    job: str
    stage: str | None


class ArchiveJob(RestrictedTool[ArchiveJobArgs, ResolvedArchive]):
    name = "archive_job"
    area = AREA
    description = (
        "Archive a job: it disappears from lists and can no longer be changed until restored "
        "(destructive: restricted, never run from a conversation)."
    )
    args_model = ArchiveJobArgs
    resolved_model = ResolvedArchive

    async def plan(self, ctx: ToolContext, args: ArchiveJobArgs) -> tuple[str, ResolvedArchive]:
        job = await fetch_job(ctx, args.job_id, includes=("customer",))
        _, stage = job_stage(job)
        resolved = ResolvedArchive(job_id=args.job_id, job=job_label(job), stage=stage)
        where = f" (now in {stage})" if stage else ""
        return f"Archive {resolved.job}{where}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedArchive) -> WriteResult:
        await ctx.leap.archive_job(resolved.job_id)
        undo = Undo(
            op=self.name,
            args={"job_id": resolved.job_id, "job": resolved.job},
            summary=f"Restore {resolved.job} from the archive.",
        )
        return WriteResult(result={"job_id": resolved.job_id, "archived": True}, undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        await ctx.leap.unarchive_job(int(args["job_id"]))
        return f"Restored {args['job']} from the archive."
