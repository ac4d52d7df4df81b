"""The company's own setup in Leap: its stages, trades, divisions and people."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from crm_leap.tools.base import Args, ReadTool, ToolContext
from crm_leap.tools.views import compact

AREA = "company"
Section = Literal["stages", "trades", "divisions", "users"]
ALL_SECTIONS: list[Section] = ["stages", "trades", "divisions", "users"]


class CompanyConfigArgs(Args):
    sections: list[Section] = Field(
        default_factory=lambda: list(ALL_SECTIONS),
        description="What to list; default everything.",
    )


class CompanyConfig(ReadTool[CompanyConfigArgs]):
    name = "company_config"
    area = AREA
    description = (
        "The company's Leap setup: workflow stages in order, trades, divisions and users with their roles. "
        "Use it to learn the names this company uses."
    )
    args_model = CompanyConfigArgs

    async def handle(self, ctx: ToolContext, args: CompanyConfigArgs) -> dict[str, Any]:
        result: dict[str, Any] = {}
        if "stages" in args.sections:
            result["stages"] = [stage.name for stage in await ctx.company.stages()]
        if "trades" in args.sections:
            result["trades"] = [trade.name for trade in await ctx.company.trades()]
        if "divisions" in args.sections:
            result["divisions"] = [division.name for division in await ctx.company.divisions()]
        if "users" in args.sections:
            result["users"] = [
                compact({"id": user.id, "name": user.full_name, "role": user.role})
                for user in await ctx.company.users()
            ]
        return result
