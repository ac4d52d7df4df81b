"""Production: who is building what, when (the schedule and crew view), and the sub-contractors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import Field

from crm_leap import heard
from crm_leap.errors import AmbiguousName, UnknownName
from crm_leap.tools.base import Args, ReadTool, ToolContext
from crm_leap.tools.common import today
from crm_leap.tools.views import compact, person_name, schedule_view
from crm_leap.wire import JSON

DEFAULT_DAYS = 7


def sub_view(sub: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": sub.get("id"),
            "name": person_name(sub),
            "company": sub.get("company_name"),
            "type": sub.get("type"),
            "trades": [trade.get("name") for trade in sub.get("trades") or []],
            "email": sub.get("email"),
            "phone": sub.get("phone") or _first_phone(sub),
            "rating": sub.get("rating"),
            "active": None if sub.get("is_active") in (None, 1, True, "1") else False,
        }
    )


def _first_phone(sub: JSON) -> str | None:
    phones = sub.get("additional_phone") or []
    if isinstance(phones, list) and phones and isinstance(phones[0], dict):
        return str(phones[0].get("phone") or "") or None
    return None


class ProductionScheduleArgs(Args):
    start_date: date | None = Field(None, description="First day (YYYY-MM-DD). Default: today.")
    end_date: date | None = Field(None, description="Last day, inclusive. Default: a week from the start.")
    crew_member: str | None = Field(
        None, description="Only work of this crew member: a company user or a sub-contractor (name)."
    )
    job_id: int | None = Field(None, description="Only this job's production schedule.")


class ProductionSchedule(ReadTool[ProductionScheduleArgs]):
    name = "production_schedule"
    area = "schedule"
    description = (
        "The production (build) schedule for a date range, default the next 7 days: which job, when, "
        "which crew and subs. Also grouped by crew member to answer 'what is Mike's crew doing'."
    )
    args_model = ProductionScheduleArgs

    async def handle(self, ctx: ToolContext, args: ProductionScheduleArgs) -> dict[str, Any]:
        start = args.start_date or today(ctx)
        end = args.end_date or start + timedelta(days=DEFAULT_DAYS)
        rep_ids, sub_ids = await self._crew(ctx, args.crew_member) if args.crew_member else ([], [])
        page = await ctx.leap.list_schedules(
            start_date=start, end_date=end, job_id=args.job_id, rep_ids=rep_ids, sub_ids=sub_ids
        )
        entries = [schedule_view(entry) for entry in page.items]
        by_crew: dict[str, list[int]] = {}
        for entry in entries:
            for member in [*entry.get("crew", []), *entry.get("subs", [])]:
                by_crew.setdefault(member, []).append(entry["id"])
        return {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "total": page.total,
            "entries": entries,
            "by_crew": by_crew,
        }

    @staticmethod
    async def _crew(ctx: ToolContext, name: str) -> tuple[list[int], list[int]]:
        """A crew member is a company user or, failing that, a sub-contractor of that name."""
        try:
            return [(await ctx.company.resolve_user(name)).id], []
        except UnknownName:
            subs = await subcontractors_heard_as(ctx, name, kind=None, limit=5)
            if not subs:
                raise UnknownName(f"No crew member or sub-contractor matches '{name}'.") from None
            close = heard.too_close(subs)
            if close:
                raise AmbiguousName(heard.ask_back(name, [_spoken_sub(sub) for sub in close])) from None
            return [], [int(subs[0].item["id"])]


class FindSubcontractorsArgs(Args):
    query: str | None = Field(None, description="Name or company of the sub-contractor; empty lists all.")
    kind: str | None = Field(
        None, pattern="^(sub_contractor|labor)$", description="'sub_contractor' or 'labor' (own labour)."
    )
    limit: int = Field(10, ge=1, le=50)


class FindSubcontractors(ReadTool[FindSubcontractorsArgs]):
    name = "find_subcontractors"
    area = "subcontractors"
    description = (
        "Look up sub-contractors and labour crews by name or company, matched as the name sounds "
        "('Kovalsky' finds Kowalski): trades, phone, email, rating. When the result has 'ask_back', "
        "put that question to the caller."
    )
    args_model = FindSubcontractorsArgs

    async def handle(self, ctx: ToolContext, args: FindSubcontractorsArgs) -> dict[str, Any]:
        if not args.query:
            page = await ctx.leap.find_subcontractors(kind=args.kind, limit=args.limit)
            return {"total": page.total, "subcontractors": [sub_view(sub) for sub in page.items]}
        ranked = await subcontractors_heard_as(ctx, args.query, kind=args.kind, limit=args.limit)
        answer: dict[str, Any] = {
            "total": len(ranked),
            "subcontractors": [{**sub_view(entry.item), "score": entry.score} for entry in ranked],
        }
        close = heard.too_close(ranked)
        if close:
            answer["ask_back"] = heard.ask_back(args.query, [_spoken_sub(sub) for sub in close])
        return answer


async def subcontractors_heard_as(
    ctx: ToolContext, name: str, *, kind: str | None, limit: int
) -> list[heard.Ranked[JSON]]:
    """Sub-contractors whose name or company sounds like ``name``, best first. A company has tens of
    them, so all are read (one request) and ranked; Leap's own search needs the first letters right."""
    everyone = (await ctx.leap.find_subcontractors(kind=kind, limit=100)).items
    return heard.rank(name, everyone, _sub_names, limit=limit)


def _sub_names(sub: JSON) -> list[str]:
    return [person_name(sub) or "", str(sub.get("company_name") or "")]


def _spoken_sub(sub: JSON) -> str:
    name, company = person_name(sub), sub.get("company_name")
    return f"{name} of {company}" if name and company else str(name or company or f"sub {sub['id']}")
