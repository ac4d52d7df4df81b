"""Compact views of Leap records: what a spoken answer needs, never the raw payload.

Ids are always kept (the next tool call needs them); empty fields are dropped; long free text
(notes, email bodies, descriptions) is cut with a visible marker so the model knows there is more
and can ask for it instead of inventing it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from crm_leap.wire import JSON

NOTE_CHARS = 400
BODY_CHARS = 1500
DESCRIPTION_CHARS = 300

_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|li|h\d)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_MENTION = re.compile(r"@\[U:(\d+)\]")


def trim(text: str | None, limit: int) -> str | None:
    """``text`` cut to ``limit`` characters with a marker saying how much was left out."""
    if text is None:
        return None
    text = text.strip()
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}… [trimmed {len(text) - limit} more characters]"


def plain_text(markup: str | None) -> str:
    """HTML (email bodies) as readable text."""
    if not markup:
        return ""
    text = _BLOCK_END.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


def compact(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Drop what says nothing: ``None``, empty strings, lists and mappings."""
    return {key: value for key, value in fields.items() if value not in (None, "", [], {})}


def person_name(record: Mapping[str, Any] | None) -> str | None:
    if not record:
        return None
    full = record.get("full_name") or " ".join(
        part for part in (record.get("first_name"), record.get("last_name")) if part
    )
    return str(full or record.get("company_name") or "") or None


def names(records: Any) -> list[str]:
    return [name for record in records or [] if (name := person_name(record))]


def money(value: Any) -> float | None:
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return None


def flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes")


def readable_mentions(text: str, user_names: Mapping[int, str]) -> str:
    """Leap's ``@[U:17]`` mention tokens as ``@Mike Alvarez``."""
    return _MENTION.sub(lambda match: f"@{user_names.get(int(match.group(1)), 'someone')}", text)


def stage_name(job: Mapping[str, Any]) -> str | None:
    stage = job.get("current_stage")
    return str(stage.get("name")) if isinstance(stage, Mapping) and stage.get("name") else None


def address_line(address: Mapping[str, Any] | None) -> str | None:
    if not address:
        return None
    state = address.get("state")
    state_code = state.get("code") if isinstance(state, Mapping) else None
    parts = [address.get("address"), address.get("city"), state_code, address.get("zip")]
    return ", ".join(str(part) for part in parts if part) or None


def customer_brief(customer: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": customer.get("id"),
            "name": person_name(customer),
            "company": customer.get("company_name") if customer.get("first_name") else None,
            "email": customer.get("email"),
            "phones": [
                compact({"label": phone.get("label"), "number": phone.get("number")})
                for phone in customer.get("phones") or []
            ],
        }
    )


def job_brief(job: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": job.get("id"),
            "number": job.get("number"),
            "name": job.get("name"),
            "stage": stage_name(job),
            "customer": person_name(job.get("customer")),
            "customer_id": job.get("customer_id"),
            "archived": True if job.get("archived") else None,
            "updated": job.get("updated_at"),
        }
    )


def job_detail(job: JSON) -> dict[str, Any]:
    financial = job.get("financial_details") or {}
    return compact(
        {
            **job_brief(job),
            "description": trim(job.get("description"), DESCRIPTION_CHARS),
            "address": address_line(job.get("address")),
            "trades": [trade.get("name") for trade in job.get("trades") or []],
            "division": (job.get("division") or {}).get("name"),
            "reps": names(job.get("reps")),
            "estimators": names(job.get("estimators")),
            "insurance": True if flag(job.get("insurance")) else None,
            "stage_since": job.get("stage_last_modified"),
            "awarded": job.get("awarded_date"),
            "contract_signed": job.get("contract_signed_date"),
            "completed": job.get("completion_date"),
            "price": money(financial.get("total_job_price")) or None,
            "created": job.get("created_date") or job.get("created_at"),
        }
    )


def note_view(note: JSON, user_names: Mapping[int, str]) -> dict[str, Any]:
    mentioned = {int(user["id"]): person_name(user) or "" for user in note.get("mentions") or []}
    text = readable_mentions(str(note.get("note") or ""), {**user_names, **mentioned})
    stage = note.get("stage")
    return compact(
        {
            "id": note.get("id"),
            "text": trim(text, NOTE_CHARS),
            "by": person_name(note.get("created_by")),
            "at": note.get("created_at"),
            "stage": stage.get("name") if isinstance(stage, Mapping) else None,
            "mentions": [name for name in mentioned.values() if name],
        }
    )


def appointment_view(appointment: JSON) -> dict[str, Any]:
    full_day = flag(appointment.get("full_day"))
    return compact(
        {
            "id": appointment.get("id"),
            "title": appointment.get("title"),
            "start": appointment.get("start_date_time") if not full_day else None,
            "end": appointment.get("end_date_time") if not full_day else None,
            "all_day": (appointment.get("date") or appointment.get("start_date_time")) if full_day else None,
            "assigned_to": person_name(appointment.get("user")),
            "attendees": names(appointment.get("attendees")),
            "customer": person_name(appointment.get("customer")),
            "customer_id": appointment.get("customer_id"),
            "job_ids": appointment.get("job_ids") or [job.get("id") for job in appointment.get("jobs") or []],
            "location": appointment.get("location"),
            "description": trim(appointment.get("description"), DESCRIPTION_CHARS),
            "completed": True if flag(appointment.get("is_completed")) else None,
        }
    )


def task_view(task: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": task.get("id"),
            "title": task.get("title"),
            "assignees": names(task.get("participants")),
            "job_id": task.get("job_id"),
            "due": task.get("due_date"),
            "done": task.get("completed") or None,
            "high_priority": True if flag(task.get("is_high_priority_task")) else None,
            "notes": trim(task.get("notes"), DESCRIPTION_CHARS),
        }
    )


def schedule_view(entry: JSON) -> dict[str, Any]:
    job = entry.get("job") or {}
    return compact(
        {
            "id": entry.get("id"),
            "title": entry.get("title"),
            "job_id": entry.get("job_id"),
            "job": job.get("number") or job.get("name"),
            "start": entry.get("start_date_time"),
            "end": entry.get("end_date_time"),
            "all_day": True if flag(entry.get("full_day")) else None,
            "crew": names(entry.get("reps")),
            "subs": [person_name(sub) for sub in entry.get("sub_contractors") or []],
            "trades": [trade.get("name") for trade in entry.get("trades") or []],
            "done": True if flag(entry.get("is_completed")) else None,
        }
    )
