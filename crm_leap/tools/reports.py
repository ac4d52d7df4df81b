"""Money across the company: what was collected in a period, what is invoiced and still open, what is
overdue, in total and by sales rep.

Leap publishes no company-wide invoice or payment list, so the report is built from what it does
publish: every awarded job with its money summary (``GET /jobs?awarded_jobs=1&includes[]=
financial_details``), then the invoices of the jobs that still owe money and the payments of the jobs
that received some (``GET /jobs/{id}/invoices``, ``/payment_history``). Periods are whole days in
the company's time zone by the context's clock; weeks start on Monday.

That costs one Leap request per job read (62 on the demo company: about a minute at Leap's 60 a
minute), so a question about only payments or only invoices reads only those (``about``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping
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


def _total(job: Mapping[str, Any], field: str) -> float:
    return _amount((job.get("financial_details") or {}).get(field))


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
    about: Literal["all", "payments", "invoices"] = Field(
        "all",
        description="What to report: payments received in the period, open and overdue invoices, or "
        "all. Ask only for what the question needs: each part reads every job's records and takes time.",
    )


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
        wants_invoices, wants_payments = args.about in ("all", "invoices"), args.about in ("all", "payments")
        owing = [job for job in jobs if wants_invoices and _total(job, "total_amount_owed") > 0]
        paid = [job for job in jobs if wants_payments and _total(job, "total_payment_received") > 0]
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
        period = f"{args.period.replace('_', ' ')}: {spoken_date(first)} to {spoken_date(last)}"
        report = _report(tallies, payments=wants_payments, invoices=wants_invoices)
        return {**({"period": period} if wants_payments else {}), **report, "awarded_jobs": len(jobs)}

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


def _columns(tally: _Tally, payments: bool, invoices: bool) -> dict[str, str]:
    return {
        **({"received": _dollars(tally.received)} if payments else {}),
        **({"open": _dollars(tally.open), "overdue": _dollars(tally.overdue)} if invoices else {}),
    }


def _report(tallies: Mapping[str, _Tally], *, payments: bool, invoices: bool) -> dict[str, Any]:
    """Totals and the split by rep (biggest books first, the tail summed), only of what was read."""
    ranked = sorted(tallies.items(), key=lambda item: (-item[1].open - item[1].received, item[0]))
    rows = [(name, tally) for name, tally in ranked[:MAX_REPS]]
    if len(ranked) > MAX_REPS:
        rows.append((f"{len(ranked) - MAX_REPS} others", _sum(t for _, t in ranked[MAX_REPS:])))
    total = _sum(tallies.values())
    report: dict[str, Any] = {}
    if payments:
        report["received"] = {"total": _dollars(total.received), "payments": total.payments}
    if invoices:
        report["open_invoices"] = {"balance": _dollars(total.open), "count": total.open_invoices}
        report["overdue_invoices"] = {"balance": _dollars(total.overdue), "count": total.overdue_invoices}
    report["by_rep"] = [{"rep": name, **_columns(tally, payments, invoices)} for name, tally in rows]
    return report


def _sum(tallies: Iterable[_Tally]) -> _Tally:
    total = _Tally()
    for tally in tallies:
        total.received += tally.received
        total.payments += tally.payments
        total.open += tally.open
        total.open_invoices += tally.open_invoices
        total.overdue += tally.overdue
        total.overdue_invoices += tally.overdue_invoices
    return total
