"""Job money (reference §9): financial summary (awarded jobs only), invoices, payment history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from crm_leap.sandbox import presenters
from crm_leap.sandbox import presenters_activity as activity
from crm_leap.sandbox.deps import Data, Includes, Page
from crm_leap.sandbox.envelopes import item, page_of
from crm_leap.sandbox.errors import BusinessRuleError, ValidationFailed

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
