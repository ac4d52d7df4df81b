"""Job money (reference §9): financial summary (awarded jobs only), invoices, payment history, and
the proposed record/cancel payment pair (restricted tools; cancel is the undo)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from leap_sandbox import presenters
from leap_sandbox import presenters_activity as activity
from leap_sandbox.clock import company_now
from leap_sandbox.dataset import Dataset
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data, Includes, Page
from leap_sandbox.envelopes import item, ok, page_of
from leap_sandbox.errors import BusinessRuleError, ValidationFailed
from leap_sandbox.models import Payment
from leap_sandbox.routes.jobs import live_job
from leap_sandbox.seed_company import PAYMENT_TYPES
from leap_sandbox.validation import Validator

router = APIRouter(tags=["financials"])

INVOICE_STATUSES = ("open", "closed", "all")


@router.get("/jobs/{job_id:int}/financial_summary", summary="Totals for an awarded job")
async def financial_summary(job_id: int, ds: Data) -> dict[str, Any]:
    job = ds.find(ds.jobs, job_id, "Job")
    if not ds.is_awarded(job):
        raise BusinessRuleError("Sorry! Job is not awarded.")
    row = presenters.financial_details(ds, job)
    del row["final_job_total"]
    return item([row])


@router.get("/jobs/{job_id:int}/invoices", summary="A job's invoices")
async def list_invoices(
    request: Request, job_id: int, ds: Data, paging: Page, includes: Includes, status: str = "all"
) -> dict[str, Any]:
    ds.find(ds.jobs, job_id, "Job")
    if status not in INVOICE_STATUSES:
        raise ValidationFailed({"status": ["The selected status is invalid."]})
    invoices = [
        i
        for i in sorted(ds.invoices.values(), key=lambda i: (i.issued_on, i.id))
        if i.job_id == job_id and (status == "all" or (status == "open") == (i.open_balance > 0))
    ]
    return page_of(invoices, paging, request.url, lambda i: activity.invoice(ds, i, includes))


@router.get("/jobs/{job_id:int}/payment_history", summary="Payments received on a job")
async def payment_history(request: Request, job_id: int, ds: Data, paging: Page) -> dict[str, Any]:
    ds.find(ds.jobs, job_id, "Job")
    payments = sorted(
        (p for p in ds.payments.values() if p.job_id == job_id), key=lambda p: (p.paid_on, p.id)
    )
    return page_of(payments, paging, request.url, activity.payment)


@router.post(
    "/jobs/{job_id:int}/payments",
    summary="Record a payment (proposed, invented)",
    tags=["financials (proposed)"],
    openapi_extra=FORM_BODY_DOC,
)
async def record_payment(job_id: int, ds: Data, body: Body) -> dict[str, Any]:
    job = live_job(ds, job_id)
    if not ds.is_awarded(job):
        raise BusinessRuleError("Sorry! Job is not awarded.")
    v = Validator(body)
    amount = v.amount("payment", required=True)
    method = v.choice("method", [kind["method"] for kind in PAYMENT_TYPES], required=True)
    paid_on = v.day("date")
    echeque_number = v.text("echeque_number")
    details = v.text("details", max_length=1000)
    v.check()
    assert amount is not None and method is not None
    now = company_now()
    payment = Payment(
        id=ds.next_id("payment"),
        job_id=job.id,
        customer_id=job.customer_id,
        method=method,
        amount=amount,
        serial_number=str(1 + max((int(p.serial_number) for p in ds.payments.values()), default=0)),
        paid_on=paid_on or now.date(),
        created_at=now,
        echeque_number=echeque_number,
        note=details,
    )
    _apply_to_open_invoices(ds, payment)
    ds.payments[payment.id] = payment
    return ok(message="Payment saved successfully.", data=activity.payment(payment))


def _apply_to_open_invoices(ds: Dataset, payment: Payment) -> None:
    """Pay down the job's open invoices, oldest first; what is left stays unapplied."""
    left = payment.amount
    for invoice in sorted(ds.invoices.values(), key=lambda i: (i.issued_on, i.id)):
        if invoice.job_id != payment.job_id or invoice.open_balance <= 0 or left <= 0:
            continue
        taken = min(left, invoice.open_balance)
        invoice.open_balance = round(invoice.open_balance - taken, 2)
        payment.applied[invoice.id] = taken
        left = round(left - taken, 2)


@router.put(
    "/jobs/payments/{payment_id:int}/cancel",
    summary="Cancel a payment (proposed, invented)",
    tags=["financials (proposed)"],
    openapi_extra=FORM_BODY_DOC,
)
async def cancel_payment(payment_id: int, ds: Data, body: Body) -> dict[str, Any]:
    payment = ds.find(ds.payments, payment_id, "Payment")
    if payment.canceled is not None:
        raise BusinessRuleError("Payment already canceled.")
    v = Validator(body)
    note = v.text("cancel_note", max_length=1000)
    v.check()
    for invoice_id, taken in payment.applied.items():
        if invoice_id in ds.invoices:
            ds.invoices[invoice_id].open_balance = round(ds.invoices[invoice_id].open_balance + taken, 2)
    payment.applied = {}
    payment.canceled, payment.cancel_note = company_now(), note
    return ok(message="Payment canceled successfully.", data=activity.payment(payment))
