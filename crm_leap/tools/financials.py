"""Money on a job: what it is worth, what was invoiced, what was paid, what is still owed."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from crm_leap.tools.base import Args, ReadTool, ToolContext
from crm_leap.tools.jobs import financials_or_reason
from crm_leap.tools.views import compact, money
from crm_leap.wire import JSON

AREA = "financials"


def invoice_view(invoice: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": invoice.get("id"),
            "number": invoice.get("invoice_number"),
            "title": invoice.get("title") or invoice.get("name"),
            "total": money(invoice.get("total_amount")),
            "open_balance": money(invoice.get("open_balance")),
            "status": invoice.get("status"),
            "date": invoice.get("date"),
            "due": invoice.get("due_date"),
        }
    )


def payment_view(payment: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": payment.get("id"),
            "amount": money(payment.get("payment")),
            "method": payment.get("method"),
            "date": payment.get("date"),
            "reference": payment.get("echeque_number"),
            "cancelled": True if payment.get("canceled") else None,
        }
    )


class JobFinancialsArgs(Args):
    job_id: int = Field(description="The job's Leap id.")
    limit: int = Field(10, ge=1, le=50, description="How many invoices and payments to list at most.")


class JobFinancials(ReadTool[JobFinancialsArgs]):
    name = "job_financials"
    area = AREA
    description = (
        "A job's money: price, change orders, paid, owed (summary), its invoices with open balances, "
        "and payments received."
    )
    args_model = JobFinancialsArgs

    async def handle(self, ctx: ToolContext, args: JobFinancialsArgs) -> dict[str, Any]:
        summary, invoices, payments = await asyncio.gather(
            financials_or_reason(ctx, args.job_id),
            ctx.leap.list_invoices(args.job_id, limit=args.limit),
            ctx.leap.payment_history(args.job_id, limit=args.limit),
        )
        return {
            "job_id": args.job_id,
            "summary": summary,
            "invoices": [invoice_view(invoice) for invoice in invoices.items],
            "invoice_count": invoices.total,
            "payments": [payment_view(payment) for payment in payments.items],
            "payment_count": payments.total,
        }
