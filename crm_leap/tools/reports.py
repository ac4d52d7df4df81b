"""Money across the company: what was collected in a period, what is invoiced and still open, what is
overdue, in total and by sales rep.

Leap publishes no company-wide invoice or payment list, so the report is built from what it does
publish: every awarded job with its money summary (``GET /jobs?awarded_jobs=1&includes[]=
financial_details``), then the invoices of the jobs that still owe money and the payments of the jobs
that received some (``GET /jobs/{id}/invoices``, ``/payment_history``). Periods are whole days in
the company's time zone by the context's clock; weeks start on Monday.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import Field

from crm_leap.tools.base import Args, ReadTool, ToolContext
from crm_leap.tools.common import gather_bounded, spoken_date, today
from crm_leap.tools.views import names
from crm_leap.wire import JSON

AREA = "financials"
Period = Literal["today", "this_week", "last_week", "this_month", "last_month"]
NO_REP = "no sales rep"
MAX_REPS = 8
"""Reps listed by name; a company with more gets the rest summed as "others", to stay speakable."""


def period_bounds(period: Period, day: date) -> tuple[date, date]:
    """The first and last day (inclusive) of ``period`` as seen on ``day``."""
    if period == "today":
        return day, day
    if period in ("this_week", "last_week"):
        monday = day - timedelta(days=day.weekday()) - timedelta(weeks=period == "last_week")
        return monday, monday + timedelta(days=6)
    first = day.replace(day=1)
    if period == "last_month":
        first = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _amount(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def rep_of(job: Mapping[str, Any]) -> str:
    """The job's sales rep (the first, when Leap lists several): whose book the money is in."""
    reps = names(job.get("reps"))
    return reps[0] if reps else NO_REP


class _Tally:
    def __init__(self) -> None:
        self.received = self.open = self.overdue = 0.0
        self.payments = self.open_invoices = self.overdue_invoices = 0


def _dollars(value: float) -> str:
    return f"${value:,.2f}"


class CompanyFinancialsArgs(Args):
    period: Period = Field(
        "this_week",
        description="For payments received: today, this_week, last_week, this_month or last_month "
        "(weeks start Monday, company time).",
    )
    rep: str | None = Field(None, description="Only this sales rep's jobs (name); default the whole company.")


class CompanyFinancials(ReadTool[CompanyFinancialsArgs]):
    name = "company_financials"
    area = AREA
    description = (
        "Money across the whole company (or one sales rep): payments received in a period (today, this "
        "or last week, this or last month), open invoices and their balance, overdue invoices and their "
        "balance, and the same split by sales rep. Use job_financials for one job."
    )
    args_model = CompanyFinancialsArgs

    async def handle(self, ctx: ToolContext, args: CompanyFinancialsArgs) -> dict[str, Any]:
        now = today(ctx)
        first, last = period_bounds(args.period, now)
        rep = await ctx.company.resolve_user(args.rep) if args.rep else None
        jobs = await ctx.leap.all_jobs(
            awarded=True, rep_ids=[rep.id] if rep else [], includes=("reps", "financial_details")
        )
        owing = [
            job for job in jobs if _amount((job.get("financial_details") or {}).get("total_amount_owed")) > 0
        ]
        paid = [
            job
            for job in jobs
            if _amount((job.get("financial_details") or {}).get("total_payment_received")) > 0
        ]
        invoices, payments = await asyncio.gather(
            gather_bounded(ctx.leap.all_invoices(int(job["id"]), open_only=True) for job in owing),
            gather_bounded(ctx.leap.all_payments(int(job["id"])) for job in paid),
        )
        tallies: dict[str, _Tally] = defaultdict(_Tally)
        book = (lambda job: rep.full_name) if rep else rep_of  # asked for one rep: it is all theirs
        for job, job_invoices in zip(owing, invoices, strict=True):
            self._count_invoices(tallies[book(job)], job_invoices, now)
        for job, job_payments in zip(paid, payments, strict=True):
            self._count_payments(tallies[book(job)], job_payments, first, last)
        return self._report(args.period, first, last, tallies, len(jobs))

    @staticmethod
    def _count_invoices(tally: _Tally, invoices: list[JSON], now: date) -> None:
        for invoice in invoices:
            balance = _amount(invoice.get("open_balance"))
            if balance <= 0:
                continue
            tally.open += balance
            tally.open_invoices += 1
            due = _day(invoice.get("due_date"))
            if due is not None and due < now:
                tally.overdue += balance
                tally.overdue_invoices += 1

    @staticmethod
    def _count_payments(tally: _Tally, payments: list[JSON], first: date, last: date) -> None:
        for payment in payments:
            paid_on = _day(payment.get("date"))
            if payment.get("canceled") or paid_on is None:
                continue
            if first <= paid_on <= last:
                tally.received += _amount(payment.get("payment"))
                tally.payments += 1

    @staticmethod
    def _report(
        period: Period, first: date, last: date, tallies: Mapping[str, _Tally], job_count: int
    ) -> dict[str, Any]:
        total = _Tally()
        for tally in tallies.values():
            total.received += tally.received
            total.payments += tally.payments
            total.open += tally.open
            total.open_invoices += tally.open_invoices
            total.overdue += tally.overdue
            total.overdue_invoices += tally.overdue_invoices
        ranked = sorted(tallies.items(), key=lambda item: (-item[1].open - item[1].received, item[0]))
        by_rep = [
            {
                "rep": name,
                "received": _dollars(tally.received),
                "open": _dollars(tally.open),
                "overdue": _dollars(tally.overdue),
            }
            for name, tally in ranked[:MAX_REPS]
        ]
        if len(ranked) > MAX_REPS:
            rest = ranked[MAX_REPS:]
            by_rep.append(
                {
                    "rep": f"{len(rest)} others",
                    "received": _dollars(sum(t.received for _, t in rest)),
                    "open": _dollars(sum(t.open for _, t in rest)),
                    "overdue": _dollars(sum(t.overdue for _, t in rest)),
                }
            )
        return {
            "period": f"{period.replace('_', ' ')}: {spoken_date(first)} to {spoken_date(last)}",
            "received": {"total": _dollars(total.received), "payments": total.payments},
            "open_invoices": {"balance": _dollars(total.open), "count": total.open_invoices},
            "overdue_invoices": {"balance": _dollars(total.overdue), "count": total.overdue_invoices},
            "by_rep": by_rep,
            "awarded_jobs": job_count,
        }
