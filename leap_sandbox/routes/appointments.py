"""Appointments (reference §8): list, get, create, update, results; delete is proposed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from leap_sandbox import presenters_activity as activity
from leap_sandbox.clock import company_now, parse_date_or_timestamp
from leap_sandbox.dataset import API_USER, Dataset
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data, Includes, Page
from leap_sandbox.envelopes import item, ok, page_of, unpaged
from leap_sandbox.errors import ValidationFailed
from leap_sandbox.models import Appointment
from leap_sandbox.validation import Validator

router = APIRouter(tags=["appointments"])

LOCATION_TYPES = ("job", "customer", "other")
REMINDER_TYPES = ("email", "notification")
MAX_REMINDERS = 5
MAX_RESULT_VALUE = 100


@router.get("/appointments", summary="List appointments")
async def list_appointments(
    request: Request,
    ds: Data,
    paging: Page,
    includes: Includes,
    users: Annotated[list[int], Query(alias="users[]", default_factory=list)],
    job_ids: Annotated[list[int], Query(alias="job_ids[]", default_factory=list)],
    duration: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    customer_id: int | None = None,
    job_id: int | None = None,
    is_completed: bool | None = None,
    sort_by: str = "start_date_time",
    sort_order: str = "asc",
) -> dict[str, Any]:
    tests = _time_tests(duration, start_date, end_date)
    if users:
        tests.append(lambda a: a.user_id in users or any(u in users for u in a.attendee_ids))
    if customer_id is not None:
        tests.append(lambda a: a.customer_id == customer_id)
    wanted_jobs = [*job_ids, *([job_id] if job_id is not None else [])]
    if wanted_jobs:
        tests.append(lambda a: any(j in wanted_jobs for j in a.job_ids))
    if is_completed is not None:
        tests.append(lambda a: bool(a.is_completed) == is_completed)
    sort_keys: dict[str, Callable[[Appointment], Any]] = {
        "start_date_time": lambda a: (a.start, a.id),
        "created_at": lambda a: (a.created_at, a.id),
    }
    if sort_by not in sort_keys or sort_order.lower() not in ("asc", "desc"):
        bad = "sort_by" if sort_by not in sort_keys else "sort_order"
        raise ValidationFailed({bad: [f"The selected {bad.replace('_', ' ')} is invalid."]})
    found = sorted(
        (a for a in ds.appointments.values() if all(test(a) for test in tests)),
        key=sort_keys[sort_by],
        reverse=sort_order.lower() == "desc",
    )
    return page_of(found, paging, request.url, lambda a: activity.appointment(ds, a, includes))


def _time_tests(
    duration: str | None, start: str | None, end: str | None
) -> list[Callable[[Appointment], bool]]:
    """`duration` picks a window; `start_date`/`end_date` (date or date-time) bound it; overlap counts."""
    now = company_now()
    durations: dict[str, Callable[[Appointment], bool]] = {
        "date": lambda a: True,
        "upcoming": lambda a: a.end >= now,
        "today": lambda a: a.start.date() <= now.date() <= a.end.date(),
        "past": lambda a: a.end < now,
    }
    errors: dict[str, list[str]] = {}
    if duration is not None and duration not in durations:
        errors["duration"] = ["The selected duration is invalid."]
    window_start = parse_date_or_timestamp(start) if start else datetime.min
    window_end = parse_date_or_timestamp(end) if end else datetime.max
    for field, raw, parsed in (("start_date", start, window_start), ("end_date", end, window_end)):
        if raw and parsed is None:
            errors[field] = [f"The {field.replace('_', ' ')} is not a valid date."]
    if errors:
        raise ValidationFailed(errors)
    assert window_start is not None and window_end is not None
    if end and window_end.time() == time(0, 0):
        window_end += timedelta(days=1) - timedelta(seconds=1)  # a bare end date includes that whole day
    tests = [durations[duration]] if duration else []
    if start or end:
        tests.append(lambda a: a.start <= window_end and a.end >= window_start)
    return tests


@router.get("/appointments/result_options", summary="Appointment outcomes the company uses")
async def list_result_options(ds: Data) -> dict[str, Any]:
    return unpaged([activity.result_option(ds, option_id) for option_id in ds.result_options])


@router.get("/appointments/{appointment_id:int}", summary="Get one appointment")
async def get_appointment(appointment_id: int, ds: Data, includes: Includes) -> dict[str, Any]:
    appointment = ds.find(ds.appointments, appointment_id, "Appointment")
    return item(activity.appointment(ds, appointment, includes))


@router.post("/appointments", summary="Create an appointment", openapi_extra=FORM_BODY_DOC)
async def create_appointment(ds: Data, body: Body) -> dict[str, Any]:
    v = Validator(body)
    fields = _read_fields(v, ds, None)
    v.check()
    now = company_now()
    appointment = Appointment(
        id=ds.next_id("appointment"), created_by=API_USER.id, created_at=now, updated_at=now, **fields
    )
    ds.appointments[appointment.id] = appointment
    return ok(message="Appointment saved successfully.", appointment=activity.appointment(ds, appointment))


@router.put(
    "/appointments/{appointment_id:int}", summary="Update an appointment", openapi_extra=FORM_BODY_DOC
)
async def update_appointment(appointment_id: int, ds: Data, body: Body) -> dict[str, Any]:
    appointment = ds.find(ds.appointments, appointment_id, "Appointment")
    v = Validator(body)
    fields = _read_fields(v, ds, appointment)
    v.check()
    for field, value in fields.items():
        setattr(appointment, field, value)
    appointment.updated_at = company_now()
    return ok(message="Appointment saved successfully.", appointment=activity.appointment(ds, appointment))


@router.delete(
    "/appointments/{appointment_id:int}",
    summary="Cancel (delete) an appointment (proposed)",
    tags=["appointments (proposed)"],
)
async def delete_appointment(appointment_id: int, ds: Data) -> dict[str, Any]:
    appointment = ds.find(ds.appointments, appointment_id, "Appointment")
    del ds.appointments[appointment.id]
    return ok(message="Appointment deleted successfully.")


def _read_fields(v: Validator, ds: Dataset, existing: Appointment | None) -> dict[str, Any]:
    """Appointment attributes that were sent. Title and times are required on update too (one rule set
    in Leap's AppointmentRequest); other fields keep their values when not sent."""
    fields: dict[str, Any] = {"title": v.text("title", required=True)}
    full_day = v.flag("full_day")
    if full_day is None:
        full_day = existing.full_day if existing else 0
    fields["full_day"] = full_day
    if full_day:
        if not v.present("date"):
            v.fail("date", "The date field is required when full day is 1.")
        day = v.day("date")
        if day is not None:
            fields["start"] = datetime.combine(day, time(0, 0))
            fields["end"] = datetime.combine(day, time(23, 59, 59))
    else:
        fields["start"] = v.timestamp("start_date_time", required=True)
        fields["end"] = v.timestamp("end_date_time", required=True)
        if fields["start"] and fields["end"] and fields["end"] <= fields["start"]:
            v.fail("end_date_time", "The end date time must be a date after start date time.")
    fields.update(
        description=v.text("description", max_length=5000),
        location=v.text("location"),
        location_type=v.choice("location_type", LOCATION_TYPES),
        user_id=v.integer("user_id", among=ds.users),
        customer_id=v.integer("customer_id", among=ds.customers),
        job_ids=v.int_list("job_ids", among=ds.jobs),
        attendee_ids=v.int_list("attendees", among=ds.users),
        invites=_read_invites(v),
        reminders=_read_reminders(v),
    )
    return {key: value for key, value in fields.items() if value is not None}


def _read_invites(v: Validator) -> list[str] | None:
    invites = v.text_list("invites")
    for index, address in enumerate(invites or []):
        if "@" not in address:
            v.fail(f"invites.{index}", f"The invites.{index} must be a valid email address.")
    return invites


def _read_reminders(v: Validator) -> list[dict[str, Any]] | None:
    children = v.children("reminders")
    if children is None:
        return None
    if len(children) > MAX_REMINDERS:
        v.fail("reminders", f"The reminders may not have more than {MAX_REMINDERS} items.")
    reminders = []
    for child in children:
        kind = child.choice("type", REMINDER_TYPES, required=True)
        minutes = child.integer("minutes", required=True)
        if kind is not None and minutes is not None:
            reminders.append({"type": kind, "minutes": minutes})
    return reminders


@router.get(
    "/appointments/{appointment_id:int}/available_result_options", summary="Outcomes for this appointment"
)
async def available_result_options(appointment_id: int, ds: Data) -> dict[str, Any]:
    ds.find(ds.appointments, appointment_id, "Appointment")
    return unpaged([activity.result_option(ds, option_id) for option_id in ds.result_options])


@router.get("/appointments/{appointment_id:int}/result", summary="An appointment's recorded outcome")
async def get_result(appointment_id: int, ds: Data) -> dict[str, Any]:
    appointment = ds.find(ds.appointments, appointment_id, "Appointment")
    return item({"result_option_id": appointment.result_option_id, "result": list(appointment.result)})


@router.put(
    "/appointments/{appointment_id:int}/result", summary="Record an outcome", openapi_extra=FORM_BODY_DOC
)
async def record_result(appointment_id: int, ds: Data, body: Body) -> dict[str, Any]:
    appointment = ds.find(ds.appointments, appointment_id, "Appointment")
    v = Validator(body)
    option_id = v.integer("result_option_id", required=True, among=ds.result_options)
    allowed = {f["name"]: f["type"] for f in ds.result_options[option_id].fields} if option_id else {}
    result = []
    for child in v.children("result", required=True) or []:
        name = child.text("name", required=True)
        kind = child.text("type", required=True)
        value = child.text("value", required=True, max_length=MAX_RESULT_VALUE)
        if name is not None and option_id is not None and allowed.get(name) != kind:
            child.fail("name", f"The selected {child.name('name')} is invalid.")
        result.append({"name": name, "type": kind, "value": value})
    v.check()
    appointment.result_option_id, appointment.result = option_id, result
    appointment.is_completed = 1
    appointment.updated_at = company_now()
    return item(activity.appointment(ds, appointment))
