"""Wire shapes for what happens around jobs: appointments, money, documents, crews, tasks, messages."""

from __future__ import annotations

from collections.abc import Iterable

from leap_sandbox.clock import format_date, format_timestamp
from leap_sandbox.dataset import Dataset
from leap_sandbox.models import (
    Appointment,
    Email,
    Invoice,
    JobDocument,
    Notification,
    Payment,
    Schedule,
    SmsMessage,
    SmsThread,
    Task,
    Worksheet,
)
from leap_sandbox.presenters import (
    Include,
    Wire,
    attach,
    customer,
    job,
    optional_user,
    sub_contractor,
    trades,
    users,
)


def appointment(ds: Dataset, value: Appointment, includes: Iterable[str] = ()) -> Wire:
    body: Wire = {
        "id": value.id,
        "title": value.title,
        "description": value.description,
        "start_date_time": format_timestamp(value.start),
        "end_date_time": format_timestamp(value.end),
        "full_day": value.full_day,
        "location": value.location,
        "location_type": value.location_type,
        "customer_id": value.customer_id,
        "user_id": value.user_id,
        "job_ids": list(value.job_ids),
        "attendees_ids": list(value.attendee_ids),
        "invites": list(value.invites),
        "lat": None,
        "long": None,
        "repeat": None,
        "occurence": None,
        "by_day": [],
        "until_date": None,
        "series_id": None,
        "is_recurring": 0,
        "interval": None,
        "is_completed": value.is_completed,
        "result": list(value.result),
        "result_option_id": value.result_option_id,
        "result_option_ids": sorted(ds.result_options),
        "created_by": value.created_by,
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.updated_at),
    }
    return attach(body, ds, value, includes, APPOINTMENT_INCLUDES)


APPOINTMENT_INCLUDES: dict[str, Include[Appointment]] = {
    "user": Include(lambda ds, a: optional_user(ds, a.user_id)),
    "created_by": Include(lambda ds, a: optional_user(ds, a.created_by)),
    "customer": Include(
        lambda ds, a: customer(ds, c) if (c := ds.customers.get(a.customer_id or 0)) else None
    ),
    "result_option": Include(
        lambda ds, a: result_option(ds, a.result_option_id) if a.result_option_id is not None else None
    ),
    "attendees": Include(lambda ds, a: users(ds, a.attendee_ids), many=True),
    "jobs": Include(lambda ds, a: [job(ds, j) for i in a.job_ids if (j := ds.jobs.get(i))], many=True),
    "reminders": Include(lambda ds, a: [dict(r) for r in a.reminders], many=True),
}


def result_option(ds: Dataset, option_id: int) -> Wire | None:
    option = ds.result_options.get(option_id)
    if option is None:
        return None
    return {"id": option.id, "name": option.name, "fields": list(option.fields), "active": option.active}


def invoice(ds: Dataset, value: Invoice, includes: Iterable[str] = ()) -> Wire:
    body: Wire = {
        "id": value.id,
        "customer_id": value.customer_id,
        "job_id": value.job_id,
        "invoice_number": value.invoice_number,
        "title": value.title,
        "name": value.title,
        "description": value.description,
        "amount": value.amount,
        "tax_rate": value.tax_rate,
        "taxable_amount": 0.0,
        "total_amount": value.total_amount,
        "open_balance": value.open_balance,
        "status": "open" if value.open_balance > 0 else "closed",
        "date": format_date(value.issued_on),
        "due_date": format_date(value.due_date),
        "type": "job",
        "note": value.note,
        "unit_number": None,
        "origin": "JobProgress",
        "last_updated_origin": "JobProgress",
        "file_path": None,
        "file_size": None,
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.created_at),
    }
    return attach(body, ds, value, includes, INVOICE_INCLUDES)


INVOICE_INCLUDES: dict[str, Include[Invoice]] = {
    "lines": Include(
        lambda ds, i: [
            {
                "description": line.description,
                "quantity": line.quantity,
                "amount": line.amount,
                "product_id": None,
                "is_chargeable": 1,
                "trade": next(iter(trades(ds, [line.trade_id])), None) if line.trade_id else None,
            }
            for line in i.lines
        ],
        many=True,
    ),
    "job": Include(lambda ds, i: job(ds, j) if (j := ds.jobs.get(i.job_id)) else None),
}


def payment(value: Payment) -> Wire:
    return {
        "id": value.id,
        "customer_id": value.customer_id,
        "job_id": value.job_id,
        "canceled": format_timestamp(value.canceled),
        "method": value.method,
        "payment": value.amount,
        "echeque_number": value.echeque_number,
        "serial_number": value.serial_number,
        "status": "closed" if value.canceled is None else "canceled",
        "date": format_date(value.paid_on),
        "cancel_note": value.cancel_note,
        "details": value.note,
        "unapplied_amount": round(value.amount - sum(value.applied.values()), 2),
        "ref_id": None,
        "ref_to": None,
        "created_at": format_timestamp(value.created_at),
    }


FILES_URL = "https://files.leap-sandbox.invalid"


def document_listing(value: JobDocument) -> Wire:
    """A proposal or estimate as Leap's internal `proposals`/`estimations` lists show it."""
    body: Wire = {
        "id": value.id,
        "title": value.title,
        "job_id": value.job_id,
        "serial_number": value.serial_number,
        "type": value.source,
        "file_name": value.file_name,
        "file_path": f"{FILES_URL}/{value.kind}s/{value.job_id}/{value.file_name}",
        "file_mime_type": value.mime_type,
        "file_size": _file_size(value),
        "total_pages": value.total_pages,
        "total_amount": value.total_amount,
        "note": value.note,
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.updated_at),
    }
    if value.kind == "proposal":
        body.update(
            status=value.status, is_digital_signed=value.is_digital_signed, share_on_hop=0, worksheet_id=None
        )
    return body


def job_file(value: JobDocument) -> Wire:
    """Any file on a job, as the (invented) `GET /jobs/{id}/documents` lists it."""
    return {
        "id": value.id,
        "job_id": value.job_id,
        "type": value.kind,
        "title": value.title,
        "file_name": value.file_name,
        "url": f"{FILES_URL}/{value.kind}s/{value.job_id}/{value.file_name}",
        "file_mime_type": value.mime_type,
        "file_size": _file_size(value),
        "serial_number": value.serial_number,
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.updated_at),
    }


def _file_size(value: JobDocument) -> int:
    return 180_000 + value.id * 7919 % 50_000


def worksheet(value: Worksheet) -> Wire:
    return {
        "id": value.id,
        "job_id": value.job_id,
        "type": value.type,
        "name": value.name,
        "total": value.total,
        "line_count": value.line_count,
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.updated_at),
    }


def schedule(ds: Dataset, value: Schedule, includes: Iterable[str] = ()) -> Wire:
    body: Wire = {
        "id": value.id,
        "title": value.title,
        "description": value.description,
        "type": "schedule",
        "job_id": value.job_id,
        "customer_id": value.customer_id,
        "start_date_time": format_timestamp(value.start),
        "end_date_time": format_timestamp(value.end),
        "full_day": value.full_day,
        "is_completed": value.is_completed,
        "is_recurring": 0,
        "series_id": None,
        "repeat": None,
        "occurence": None,
        "rep_ids": list(value.rep_ids),
        "sub_contractor_ids": list(value.sub_contractor_ids),
        "trade_ids": list(value.trade_ids),
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.updated_at),
    }
    return attach(body, ds, value, includes, SCHEDULE_INCLUDES)


SCHEDULE_INCLUDES: dict[str, Include[Schedule]] = {
    "reps": Include(lambda ds, s: users(ds, s.rep_ids), many=True),
    "sub_contractors": Include(
        lambda ds, s: [
            sub_contractor(ds, sub) for i in s.sub_contractor_ids if (sub := ds.sub_contractors.get(i))
        ],
        many=True,
    ),
    "trades": Include(lambda ds, s: trades(ds, s.trade_ids), many=True),
    "job": Include(lambda ds, s: job(ds, j) if (j := ds.jobs.get(s.job_id)) else None),
}


def task(ds: Dataset, value: Task) -> Wire:
    return {
        "id": value.id,
        "title": value.title,
        "notes": value.notes,
        "job_id": value.job_id,
        "due_date": format_date(value.due_date),
        "completed": format_timestamp(value.completed),
        "completed_by": value.completed_by,
        "created_by": value.created_by,
        "participants": {"data": users(ds, value.user_ids)},
        "notify_users": {"data": users(ds, value.notify_user_ids)},
        "stage_code": value.stage_code,
        "locked": value.locked,
        "is_high_priority_task": value.is_high_priority_task,
        "reminder_type": value.reminder_type,
        "reminder_frequency": value.reminder_frequency,
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.updated_at),
    }


def email(value: Email) -> Wire:
    return {
        "id": value.id,
        "subject": value.subject,
        "content": value.content,
        "from": value.sender,
        "to": list(value.to),
        "cc": list(value.cc),
        "bcc": list(value.bcc),
        "customer_id": value.customer_id,
        "job_ids": list(value.job_ids),
        "thread_id": value.thread_id,
        "is_read": value.is_read,
        "status": value.status,
        "type": "email",
        "reply_to": value.reply_to,
        "attachments": [dict(item) for item in value.attachments],
        "created_by": value.created_by,
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.created_at),
    }


def sms_message(ds: Dataset, value: SmsMessage) -> Wire:
    sender = ds.user(value.sender_id)
    return {
        "id": value.id,
        "thread_id": value.thread_id,
        "content": value.content,
        "phone_number": value.phone_number,
        "customer_id": value.customer_id,
        "job_id": value.job_id,
        "sender": {"id": sender.id, "full_name": sender.full_name} if sender else None,
        "direction": value.direction,
        "status": value.status,
        "media": [dict(item) for item in value.media],
        "created_at": format_timestamp(value.created_at),
    }


def sms_thread(ds: Dataset, value: SmsThread) -> Wire:
    messages = thread_messages(ds, value.id)
    last = messages[-1] if messages else None
    return {
        "id": value.id,
        "type": "SMS",
        "phone_number": value.phone_number,
        "customer_id": value.customer_id,
        "last_message": sms_message(ds, last) if last else None,
        "message_count": len(messages),
        "updated_at": format_timestamp(last.created_at) if last else None,
    }


def thread_messages(ds: Dataset, thread_id: int) -> list[SmsMessage]:
    """A thread's messages, oldest first (reading order)."""
    return sorted(
        (m for m in ds.sms_messages.values() if m.thread_id == thread_id), key=lambda m: (m.created_at, m.id)
    )


def notification(ds: Dataset, value: Notification) -> Wire:
    by = ds.user(value.mention_by)
    return {
        "id": value.id,
        "user_id": value.user_id,
        "type": value.type,
        "job_id": value.job_id,
        "note_id": value.note_id,
        "message": value.message,
        "mention_by": {"id": by.id, "full_name": by.full_name} if by else None,
        "is_read": value.is_read,
        "created_at": format_timestamp(value.created_at),
    }
