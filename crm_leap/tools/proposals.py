"""Proposals and estimates: which were sent, for how much, and where each one stands."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from crm_leap.names import normalise
from crm_leap.tools.base import Args, ReadTool, ToolContext
from crm_leap.tools.views import compact, money
from crm_leap.wire import JSON

AREA = "proposals"
_SEARCH_POOL = 100


def proposal_view(proposal: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": proposal.get("id"),
            "title": proposal.get("title"),
            "job_id": proposal.get("job_id"),
            "status": proposal.get("status"),
            "number": proposal.get("serial_number"),
            "total": money(proposal.get("total_amount")),
            "signed": True if proposal.get("is_digital_signed") in (1, "1", True) else None,
            "updated": proposal.get("updated_at"),
        }
    )


class ListProposalsArgs(Args):
    job_id: int | None = Field(None, description="Only this job's proposals.")
    status: Literal["draft", "sent", "viewed", "accepted", "rejected"] | None = None
    search: str | None = Field(None, description="Words from the proposal title, e.g. 'gutters'.")
    limit: int = Field(10, ge=1, le=50)


class ListProposals(ReadTool[ListProposalsArgs]):
    name = "list_proposals"
    area = AREA
    description = (
        "List or search proposals (quotes sent to customers): title, status (draft, sent, viewed, "
        "accepted, rejected), amount, for a job or company-wide."
    )
    args_model = ListProposalsArgs

    async def handle(self, ctx: ToolContext, args: ListProposalsArgs) -> dict[str, Any]:
        if not args.search:
            page = await ctx.leap.list_proposals(job_id=args.job_id, status=args.status, limit=args.limit)
            return {"total": page.total, "proposals": [proposal_view(item) for item in page.items]}
        # Leap has no title search: filter the most recent ones here.
        words = normalise(args.search).split()
        pool = await ctx.leap.list_proposals(job_id=args.job_id, status=args.status, limit=_SEARCH_POOL)
        hits = [
            item for item in pool.items if all(word in normalise(str(item.get("title"))) for word in words)
        ]
        return {"total": len(hits), "proposals": [proposal_view(item) for item in hits[: args.limit]]}
