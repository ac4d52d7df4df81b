"""Emails (reference §11, proposed): list, read and send, shaped like Leap's internal email API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from leap_sandbox import presenters_activity as activity
from leap_sandbox.attachments import read_attachments
from leap_sandbox.clock import company_now
from leap_sandbox.dataset import API_USER
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data, Page
from leap_sandbox.envelopes import item, ok, page_of
from leap_sandbox.models import Email
from leap_sandbox.seed_company import COMPANY_EMAIL
from leap_sandbox.validation import EMAIL_PATTERN, Validator

router = APIRouter(tags=["emails (proposed)"])


@router.get("/emails", summary="List emails, newest first (proposed)")
async def list_emails(
    request: Request,
    ds: Data,
    paging: Page,
    job_id: int | None = None,
    customer_id: int | None = None,
    keyword: str | None = None,
    is_read: bool | None = None,
) -> dict[str, Any]:
    search = (keyword or "").strip().lower()

    def wanted(email: Email) -> bool:
        text = " ".join([email.subject, email.content, email.sender, *email.to]).lower()
        return (
            (job_id is None or job_id in email.job_ids)
            and (customer_id is None or email.customer_id == customer_id)
            and (is_read is None or bool(email.is_read) == is_read)
            and (not search or search in text)
        )

    found = sorted(
        (e for e in ds.emails.values() if wanted(e)), key=lambda e: (e.created_at, e.id), reverse=True
    )
    return page_of(found, paging, request.url, activity.email)


@router.get("/emails/{email_id:int}", summary="Read one email (proposed)")
async def get_email(email_id: int, ds: Data) -> dict[str, Any]:
    return item(activity.email(ds.find(ds.emails, email_id, "Email")))


@router.post("/emails/send", summary="Send an email (proposed)", openapi_extra=FORM_BODY_DOC)
async def send_email(ds: Data, body: Body) -> dict[str, Any]:
    v = Validator(body)
    recipients = {field: _addresses(v, field, required=field == "to") for field in ("to", "cc", "bcc")}
    subject = v.text("subject", required=True)
    content = v.text("content", required=True, max_length=100_000)
    customer_id = v.integer("customer_id", among=ds.customers)
    job_id = v.integer("job_id", among=ds.jobs)
    reply_to = v.integer("reply_to", among=ds.emails)
    attachments = read_attachments(v, ds, "attachments")
    v.check()
    assert subject is not None and content is not None
    email_id = ds.next_id("email")
    email = Email(
        id=email_id,
        subject=subject,
        content=content,
        sender=COMPANY_EMAIL,
        to=recipients["to"],
        cc=recipients["cc"],
        bcc=recipients["bcc"],
        thread_id=ds.emails[reply_to].thread_id if reply_to else f"thread-{email_id}",
        status="sent",
        created_at=company_now(),
        customer_id=customer_id,
        job_ids=[job_id] if job_id else [],
        reply_to=reply_to,
        created_by=API_USER.id,
        attachments=attachments,
    )
    ds.emails[email.id] = email
    ds.outbox_email_ids.append(email.id)
    return ok(message="Email sent successfully.", email=activity.email(email))


def _addresses(v: Validator, field: str, *, required: bool) -> list[str]:
    addresses = v.text_list(field, required=required) or []
    for index, address in enumerate(addresses):
        if not EMAIL_PATTERN.match(address):
            v.fail(f"{field}.{index}", f"The {field}.{index} must be a valid email address.")
    return addresses
