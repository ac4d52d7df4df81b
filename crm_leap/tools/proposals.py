"""Proposals and estimates: which were sent, for how much, and where each one stands.

A search (by customer, or words of the title) reads every page Leap has, not only the newest
ones: a customer's proposals are found through their jobs (``GET /jobs?customer_name=``), then
each job's proposals; a title search goes through the whole list.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from crm_leap.names import normalise
from crm_leap.tools.base import Args, ReadTool, ToolContext
from crm_leap.tools.common import gather_bounded, spoken_job_name
from crm_leap.tools.views import compact, money, person_name
from crm_leap.wire import JSON

AREA = "proposals"


def proposal_view(proposal: JSON, job: JSON | None = None) -> dict[str, Any]:
    return compact(
        {
            "id": proposal.get("id"),
            "title": proposal.get("title"),
            "job_id": proposal.get("job_id"),
            "job": spoken_job_name(str(job["name"])) if job and job.get("name") else None,
            "customer": person_name(job.get("customer")) if job else None,
            "status": proposal.get("status"),
            "number": proposal.get("serial_number"),
            "total": money(proposal.get("total_amount")),
            "signed": True if proposal.get("is_digital_signed") in (1, "1", True) else None,
            "updated": proposal.get("updated_at"),
        }
    )


class ListProposalsArgs(Args):
    customer: str | None = Field(
        None, description="The customer's name (or part of it), e.g. 'Garcia': their proposals on every job."
    )
    job_id: int | None = Field(None, description="Only this job's proposals.")
    status: Literal["draft", "sent", "viewed", "accepted", "rejected"] | None = None
    search: str | None = Field(None, description="Words from the proposal title, e.g. 'gutters'.")
    limit: int = Field(10, ge=1, le=50, description="How many to list at most (the total counts all).")


class ListProposals(ReadTool[ListProposalsArgs]):
    name = "list_proposals"
    area = AREA
    description = (
        "Find proposals (quotes sent to customers) by customer name, job, status or title words, across "
        "all of Leap's proposals, newest first: title, job, customer, status (draft, sent, viewed, "
        "accepted, rejected), amount. Without filters: the newest company-wide."
    )
    args_model = ListProposalsArgs

    async def handle(self, ctx: ToolContext, args: ListProposalsArgs) -> dict[str, Any]:
        if not args.customer and not args.search:
            page = await ctx.leap.list_proposals(job_id=args.job_id, status=args.status, limit=args.limit)
            return {"total": page.total, "proposals": [proposal_view(item) for item in page.items]}
        jobs: dict[int, JSON] = {}
        if args.customer:
            found = await ctx.leap.all_jobs(customer_name=args.customer)
            jobs = {int(job["id"]): job for job in found if args.job_id in (None, job.get("id"))}
            if not jobs:
                return {"total": 0, "proposals": [], "note": f"No jobs for a customer named {args.customer}."}
            lists = await gather_bounded(
                ctx.leap.all_proposals(job_id=job_id, status=args.status) for job_id in jobs
            )
            pool = sorted(
                (item for items in lists for item in items),
                key=lambda item: (str(item.get("created_at") or ""), int(item.get("id") or 0)),
                reverse=True,
            )
        else:
            pool = await ctx.leap.all_proposals(job_id=args.job_id, status=args.status)
        words = normalise(args.search or "").split()
        hits = [item for item in pool if all(word in normalise(str(item.get("title"))) for word in words)]
        return {
            "total": len(hits),
            "proposals": [
                proposal_view(item, jobs.get(int(item.get("job_id") or 0))) for item in hits[: args.limit]
            ],
        }
