"""Prospects (reference §4): a customer and, optionally, their first job in one call."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from leap_sandbox.deps import FORM_BODY_DOC, Body, Data
from leap_sandbox.envelopes import ok
from leap_sandbox.routes.customers import create_customer_record, read_customer_fields, saved_customer
from leap_sandbox.routes.jobs import create_job_record, read_job_fields
from leap_sandbox.validation import Validator

router = APIRouter(tags=["prospects"])


@router.post("/prospects", summary="Create a customer with a first job", openapi_extra=FORM_BODY_DOC)
async def create_prospect(ds: Data, body: Body) -> dict[str, Any]:
    v = Validator(body)
    customer_fields = read_customer_fields(v, ds, None)
    job_part = v.child("job")
    job_fields = read_job_fields(job_part, ds, None) if job_part is not None else None
    v.check()  # both halves are valid before either is stored: a bad job leaves no orphan customer
    customer = create_customer_record(ds, customer_fields)
    job_ids = [create_job_record(ds, customer.id, job_fields).id] if job_fields is not None else []
    return ok(
        message="Prospect / Customer saved successfully.",
        customer=saved_customer(ds, customer),
        job_ids=job_ids,
        first_stage_code=ds.first_stage.code,
    )
