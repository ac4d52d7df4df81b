"""Money on a job: what it is worth, what was invoiced, what was paid, what is still owed."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from crm_leap.errors import ToolError
from crm_leap.names import best_matches
from crm_leap.tools.base import Args, ReadTool, RestrictedTool, ToolContext, Undo, WriteResult
from crm_leap.tools.common import fetch_job, job_label, spoken_date
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


class RecordPaymentArgs(Args):
    job_id: int = Field(description="The job the money is for.")
    amount: float = Field(gt=0, le=10_000_000, description="Amount received, in dollars.")
    method: str = Field(description="How it was paid, e.g. 'check', 'cash', 'credit card', 'financing'.")
    paid_on: date | None = Field(None, description="Date received (YYYY-MM-DD); default today.")
    reference: str | None = Field(None, max_length=60, description="Check or transaction number.")
    details: str | None = Field(None, max_length=500)


class ResolvedPayment(BaseModel):
    job_id: int
    job: str
    amount: float
    method: str
    method_label: str
    paid_on: date | None
    reference: str | None
    details: str | None


class RecordPayment(RestrictedTool[RecordPaymentArgs, ResolvedPayment]):
    name = "record_payment"
    area = AREA
    description = (
        "Record a payment received on a job (money movement: restricted, never run from a conversation)."
    )
    args_model = RecordPaymentArgs
    resolved_model = ResolvedPayment

    async def plan(self, ctx: ToolContext, args: RecordPaymentArgs) -> tuple[str, ResolvedPayment]:
        job = await fetch_job(ctx, args.job_id, includes=("customer",))
        kinds = await ctx.leap.payment_types()
        matches = best_matches(
            args.method, kinds, lambda kind: [str(kind.get("label")), str(kind.get("method"))]
        )
        if len(matches) != 1:
            accepted = ", ".join(str(kind.get("label")) for kind in kinds)
            raise ToolError(f"'{args.method}' is not one payment method here. Leap accepts: {accepted}.")
        resolved = ResolvedPayment(
            job_id=args.job_id,
            job=job_label(job),
            amount=round(args.amount, 2),
            method=str(matches[0]["method"]),
            method_label=str(matches[0].get("label") or matches[0]["method"]),
            paid_on=args.paid_on,
            reference=args.reference,
            details=args.details,
        )
        when = f" received {spoken_date(args.paid_on)}" if args.paid_on else ""
        reference = f" (ref {args.reference})" if args.reference else ""
        payment = f"${resolved.amount:,.2f} {resolved.method_label} payment{reference}{when}"
        return f"Record a {payment} on {resolved.job}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedPayment) -> WriteResult:
        payment = await ctx.leap.record_payment(
            resolved.job_id,
            amount=resolved.amount,
            method=resolved.method,
            paid_on=resolved.paid_on,
            reference=resolved.reference,
            details=resolved.details,
        )
        undo = Undo(
            op=self.name,
            args={"payment_id": payment["id"], "amount": resolved.amount, "job": resolved.job},
            summary=f"Cancel the ${resolved.amount:,.2f} payment just recorded on {resolved.job}.",
        )
        return WriteResult(result=payment_view(payment), undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        await ctx.leap.cancel_payment(int(args["payment_id"]), "Recorded by mistake (undone in Hard-E).")
        return f"Cancelled the ${float(args['amount']):,.2f} payment on {args['job']}."
