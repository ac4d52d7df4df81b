"""Text messages (reference §12, proposed): send an SMS, list threads, read a thread."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request

from leap_sandbox import presenters_activity as activity
from leap_sandbox.attachments import read_attachments
from leap_sandbox.clock import company_now
from leap_sandbox.dataset import API_USER, Dataset
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data, Page
from leap_sandbox.envelopes import ok, page_of
from leap_sandbox.errors import BusinessRuleError, ValidationFailed
from leap_sandbox.models import SmsMessage, SmsThread
from leap_sandbox.validation import Validator

router = APIRouter(tags=["text messages (proposed)"])

MAX_SMS_LENGTH = 160
NO_CONSENT_MESSAGE = "The customer has not consented to receive text messages."
_PHONE = re.compile(r"^\d{10,11}$")


@router.post("/phone_messages", summary="Send a text message (proposed)", openapi_extra=FORM_BODY_DOC)
async def send_text(ds: Data, body: Body) -> dict[str, Any]:
    v = Validator(body)
    number = v.text("phone_number", required=True)
    if number is not None and not _PHONE.match(number):
        v.fail("phone_number", "The phone number must be 10 or 11 digits.")
    content = v.text("message", required=True, max_length=MAX_SMS_LENGTH)
    customer_id = v.integer("customer_id", among=ds.customers)
    job_id = v.integer("job_id", among=ds.jobs)
    thread_id = v.integer("thread_id", among=ds.sms_threads)
    media = read_attachments(v, ds, "media")
    if len(media) > 1:
        v.fail("media", "The media may not have more than 1 items.")
    v.check()
    assert number is not None and content is not None
    local = number[-10:]
    if local in ds.sms_opted_out:
        raise BusinessRuleError(NO_CONSENT_MESSAGE)
    thread = ds.sms_threads[thread_id] if thread_id else _thread_for(ds, local, customer_id)
    message = SmsMessage(
        id=ds.next_id("sms_message"),
        thread_id=thread.id,
        content=content,
        phone_number=local,
        direction="outbound",
        created_at=company_now(),
        customer_id=customer_id or thread.customer_id,
        job_id=job_id,
        sender_id=API_USER.id,
        status="sent",
        media=media,
    )
    ds.sms_messages[message.id] = message
    ds.outbox_sms_ids.append(message.id)
    return ok(message="Message sent successfully.", data=activity.sms_message(ds, message))


def _thread_for(ds: Dataset, number: str, customer_id: int | None) -> SmsThread:
    """Texts to one number share a thread, as in Leap's inbox."""
    for thread in ds.sms_threads.values():
        if thread.phone_number == number:
            return thread
    owner = customer_id or next(
        (c.id for c in ds.customers.values() if any(p.number == number for p in c.phones)), None
    )
    thread = SmsThread(ds.next_id("sms_thread"), number, owner)
    ds.sms_threads[thread.id] = thread
    return thread


@router.get("/messages/thread_list", summary="Text threads, most recent first (proposed)")
async def list_threads(
    request: Request,
    ds: Data,
    paging: Page,
    type: str = "SMS",
    customer_id: int | None = None,
    phone_number: str | None = None,
) -> dict[str, Any]:
    if type != "SMS":
        raise ValidationFailed({"type": ["The selected type is invalid."]})
    wanted_number = re.sub(r"\D", "", phone_number or "")[-10:]
    threads = [
        t
        for t in ds.sms_threads.values()
        if (customer_id is None or t.customer_id == customer_id)
        and (not wanted_number or t.phone_number == wanted_number)
    ]

    def last_activity(thread: SmsThread) -> tuple[datetime, int]:
        messages = activity.thread_messages(ds, thread.id)
        return (messages[-1].created_at if messages else company_now(), thread.id)

    threads.sort(key=last_activity, reverse=True)
    return page_of(threads, paging, request.url, lambda t: activity.sms_thread(ds, t))


@router.get("/messages/{thread_id:int}", summary="A thread's messages, oldest first (proposed)")
async def list_thread_messages(request: Request, thread_id: int, ds: Data, paging: Page) -> dict[str, Any]:
    ds.find(ds.sms_threads, thread_id, "Thread")
    messages = activity.thread_messages(ds, thread_id)
    return page_of(messages, paging, request.url, lambda m: activity.sms_message(ds, m))
