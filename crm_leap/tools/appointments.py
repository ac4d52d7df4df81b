"""Appointments: see the calendar, book, move or reassign, and take a booking or change back.

Times are the company's wall-clock time (Leap stores them that way). The model may send an
offset; it is converted to the company's zone, so "2 PM" means 2 PM where the roof is. A move or a
cancellation can also tell the homeowner by text, when the caller asks: the text is part of the
same confirmed change (read back with it), sent through Leap's SMS after the calendar changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, model_validator

from crm_leap.errors import LeapError, ToolError
from crm_leap.tools.base import Args, ReadTool, ToolContext, Undo, WriteResult, WriteTool
from crm_leap.tools.common import (
    day_range,
    leap_time,
    parse_leap_time,
    resolve_users,
    spoken_clock,
    spoken_time,
    to_local,
    today,
)
from crm_leap.tools.texts import SMS_MAX_CHARS, ResolvedText, customer_mobile
from crm_leap.tools.views import appointment_view, compact, flag
from crm_leap.wire import JSON, FormValue

AREA = "appointments"
DEFAULT_DAYS = 7
_CLEARABLE = ("location", "description")
_RECREATED = (
    "user_id",
    "customer_id",
    "job_ids",
    "attendees_ids",
    "location",
    "location_type",
    "description",
)
_TEXT_HOMEOWNER = Field(
    False,
    description="Also text the homeowner (the appointment's customer) about it. Only when the caller "
    "asked for it; the text is read back with the change.",
)
_TEXT_MESSAGE = Field(
    None,
    min_length=1,
    max_length=SMS_MAX_CHARS,
    description="The homeowner's text in your own words (max 160 characters); default: a short "
    "standard message with the new time or the cancellation.",
)


async def homeowner_text(
    ctx: ToolContext, appointment: JSON, wording: str | None, standard: str
) -> ResolvedText:
    """The text to the appointment's customer: ``wording``, else ``standard`` after "Hi <first name>, "."""
    customer_id = appointment.get("customer_id")
    if not customer_id:
        raise ToolError("That appointment has no customer in Leap, so I don't know which homeowner to text.")
    mobile = await customer_mobile(ctx, int(customer_id))
    message = wording or f"Hi {mobile.first_name}, {standard}"
    if len(message) > SMS_MAX_CHARS:
        message = message[: SMS_MAX_CHARS - 1].rstrip() + "…"
    job_ids = appointment.get("job_ids") or []
    return ResolvedText(
        phone_number=mobile.digits,
        recipient=mobile.said,
        message=message,
        customer_id=int(customer_id),
        job_id=int(job_ids[0]) if job_ids else None,
    )


async def send_homeowner_text(ctx: ToolContext, text: ResolvedText | None) -> str | None:
    """Send it; the calendar change already happened, so a refused text is reported, not raised."""
    if text is None:
        return None
    try:
        await ctx.leap.send_text(
            phone_number=text.phone_number,
            message=text.message,
            customer_id=text.customer_id,
            job_id=text.job_id,
        )
    except (LeapError, ToolError) as error:
        return f"not sent to {text.recipient}: {error}"
    return f"sent to {text.recipient}"


def and_text(text: ResolvedText | None) -> str:
    return f"; and text {text.recipient}: '{text.message}'" if text else ""


def short_title(appointment: JSON) -> str:
    return str(appointment.get("title") or "appointment")[:60]


class ListAppointmentsArgs(Args):
    start_date: date | None = Field(None, description="First day (YYYY-MM-DD). Default: today.")
    end_date: date | None = Field(None, description="Last day, inclusive. Default: a week from the start.")
    user: str | None = Field(None, description="Only appointments of this company user (name).")
    job_id: int | None = Field(None, description="Only appointments for this job.")
    customer_id: int | None = Field(None, description="Only appointments with this customer.")
    limit: int = Field(20, ge=1, le=50)


class ListAppointments(ReadTool[ListAppointmentsArgs]):
    name = "list_appointments"
    area = AREA
    description = (
        "Appointments in a date range (default: the next 7 days), soonest first; filter by company "
        "user, job or customer."
    )
    args_model = ListAppointmentsArgs

    async def handle(self, ctx: ToolContext, args: ListAppointmentsArgs) -> dict[str, Any]:
        start = args.start_date or today(ctx)
        end = args.end_date or start + timedelta(days=DEFAULT_DAYS)
        if end < start:
            raise ToolError("The end date is before the start date.")
        user = await ctx.company.resolve_user(args.user) if args.user else None
        first, last = day_range(start, end)
        page = await ctx.leap.list_appointments(
            start=first,
            end=last,
            user_ids=[user.id] if user else [],
            job_id=args.job_id,
            customer_id=args.customer_id,
            limit=args.limit,
        )
        return {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "total": page.total,
            "appointments": [appointment_view(item) for item in page.items],
        }


class CreateAppointmentArgs(Args):
    title: str = Field(min_length=1, max_length=200, description="E.g. 'Roof inspection - Smith'.")
    start: datetime = Field(description="Start, company local time, e.g. '2026-06-02T14:00'.")
    duration_minutes: int = Field(60, ge=5, le=24 * 60, description="How long; default one hour.")
    assigned_to: str | None = Field(None, description="The company user who owns it (name).")
    attendees: list[str] = Field(default_factory=list, description="Other company users attending (names).")
    customer_id: int | None = None
    job_id: int | None = None
    location: str | None = Field(None, description="Where, if not the job's address.")
    description: str | None = None


class ResolvedAppointment(BaseModel):
    fields: dict[str, Any]
    """Leap's appointment fields, ready to send."""


class CreateAppointment(WriteTool[CreateAppointmentArgs, ResolvedAppointment]):
    name = "create_appointment"
    area = AREA
    description = (
        "Book an appointment in Leap's calendar (inspection, estimate, meeting). Times are the "
        "company's local time."
    )
    args_model = CreateAppointmentArgs
    resolved_model = ResolvedAppointment

    async def plan(self, ctx: ToolContext, args: CreateAppointmentArgs) -> tuple[str, ResolvedAppointment]:
        start = to_local(ctx, args.start)
        end = start + timedelta(minutes=args.duration_minutes)
        owner = await ctx.company.resolve_user(args.assigned_to) if args.assigned_to else None
        attendees = await resolve_users(ctx, args.attendees)
        fields: dict[str, FormValue] = {
            "title": args.title,
            "start_date_time": leap_time(start),
            "end_date_time": leap_time(end),
            "user_id": owner.id if owner else None,
            "attendees": [user.id for user in attendees],
            "customer_id": args.customer_id,
            "job_ids": [args.job_id] if args.job_id else [],
            "location": args.location,
            "location_type": "other" if args.location else ("job" if args.job_id else None),
            "description": args.description,
        }
        people = [user.full_name for user in ([owner] if owner else []) + attendees]
        with_whom = f" with {', '.join(people)}" if people else ""
        summary = f"Book '{args.title}' on {spoken_time(start)} to {spoken_clock(end)}{with_whom}."
        return summary, ResolvedAppointment(fields={k: v for k, v in fields.items() if v not in (None, [])})

    async def apply(self, ctx: ToolContext, resolved: ResolvedAppointment) -> WriteResult:
        appointment = await ctx.leap.create_appointment(resolved.fields)
        title = resolved.fields["title"]
        undo = Undo(
            op=self.name,
            args={"appointment_id": appointment["id"], "title": title},
            summary=f"Cancel the appointment '{title}' just booked.",
        )
        return WriteResult(result=appointment_view(appointment), undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        await ctx.leap.delete_appointment(int(args["appointment_id"]))
        return f"Cancelled the appointment '{args['title']}'."


class UpdateAppointmentArgs(Args):
    appointment_id: int = Field(description="The appointment's id (from list_appointments).")
    start: datetime | None = Field(None, description="New start, company local time; keeps the length.")
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60, description="New length in minutes.")
    title: str | None = Field(None, min_length=1, max_length=200)
    assigned_to: str | None = Field(None, description="Give it to this company user (name).")
    location: str | None = None
    description: str | None = None
    text_homeowner: bool = _TEXT_HOMEOWNER
    text_message: str | None = _TEXT_MESSAGE

    @model_validator(mode="after")
    def _something(self) -> UpdateAppointmentArgs:
        if not self.model_fields_set - {"appointment_id", "text_homeowner", "text_message"}:
            raise ValueError("say what to change: start, duration_minutes, title, assigned_to, location...")
        return self


class ResolvedAppointmentChange(BaseModel):
    appointment_id: int
    title: str
    fields: dict[str, Any]
    """What to send: the changes, plus the title and times Leap requires on every update."""
    previous: dict[str, Any]
    """The same fields as they were, to put back."""
    text: ResolvedText | None = None


def required_on_update(appointment: JSON) -> dict[str, Any]:
    """Leap validates an update like a creation: title and times (or the day, if all-day) each time."""
    if flag(appointment.get("full_day")):
        day = str(appointment.get("start_date_time") or "")[:10]
        return {"title": appointment.get("title"), "full_day": 1, "date": day}
    return {
        "title": appointment.get("title"),
        "start_date_time": appointment.get("start_date_time"),
        "end_date_time": appointment.get("end_date_time"),
    }


class UpdateAppointment(WriteTool[UpdateAppointmentArgs, ResolvedAppointmentChange]):
    name = "update_appointment"
    area = AREA
    description = (
        "Reschedule or change an appointment: new time, length, title, owner, location or description. "
        "Only what is given changes. With text_homeowner, also texts the customer the new time "
        "(only if the caller asked). Undo puts the appointment back; a sent text stays sent."
    )
    args_model = UpdateAppointmentArgs
    resolved_model = ResolvedAppointmentChange

    async def plan(
        self, ctx: ToolContext, args: UpdateAppointmentArgs
    ) -> tuple[str, ResolvedAppointmentChange]:
        current = await ctx.leap.get_appointment(args.appointment_id)
        old_start = parse_leap_time(current.get("start_date_time"))
        old_end = parse_leap_time(current.get("end_date_time"))
        changes: dict[str, Any] = {}
        said: list[str] = []
        if args.start is not None or args.duration_minutes is not None:
            if old_start is None or old_end is None:
                raise ToolError("That is an all-day appointment; I can only change its title or owner.")
            start = to_local(ctx, args.start) if args.start else old_start
            length = (
                timedelta(minutes=args.duration_minutes) if args.duration_minutes else old_end - old_start
            )
            changes["start_date_time"] = leap_time(start)
            changes["end_date_time"] = leap_time(start + length)
            said.append(f"move it to {spoken_time(start)} to {spoken_clock(start + length)}")
        if args.assigned_to:
            owner = await ctx.company.resolve_user(args.assigned_to)
            changes["user_id"] = owner.id
            said.append(f"assign it to {owner.full_name}")
        for field in ("title", "location", "description"):
            value = getattr(args, field)
            if value is not None:
                changes[field] = value
                said.append(f"set its {field} to '{value}'")
        title = str(current.get("title") or f"#{args.appointment_id}")
        when = f" ({spoken_time(old_start)})" if old_start else ""
        required = required_on_update(current)
        text = None
        if args.text_homeowner:
            new_start = parse_leap_time(changes.get("start_date_time")) or old_start
            at = f"is now on {spoken_time(new_start)}" if new_start else "has changed"
            standard = f"your {short_title(current)} appointment {at}. Reply here with any questions."
            text = await homeowner_text(ctx, current, args.text_message, standard)
        resolved = ResolvedAppointmentChange(
            appointment_id=args.appointment_id,
            title=title,
            fields={**required, **changes},
            previous={
                **required,
                **{field: current.get(field) for field in changes if field not in required},
            },
            text=text,
        )
        return f"Change appointment '{title}'{when}: {'; '.join(said)}{and_text(text)}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedAppointmentChange) -> WriteResult:
        updated = await ctx.leap.update_appointment(resolved.appointment_id, resolved.fields)
        texted = await send_homeowner_text(ctx, resolved.text)
        undo = Undo(
            op=self.name,
            args={
                "appointment_id": resolved.appointment_id,
                "title": resolved.title,
                "restore": resolved.previous,
            },
            summary=f"Put appointment '{resolved.title}' back as it was.",
        )
        return WriteResult(result={**appointment_view(updated), **compact({"text": texted})}, undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        restore: JSON = {
            key: "" if value is None and key in _CLEARABLE else value
            for key, value in dict(args["restore"]).items()
        }
        await ctx.leap.update_appointment(int(args["appointment_id"]), restore)
        return f"Put appointment '{args['title']}' back as it was."


class CancelAppointmentArgs(Args):
    appointment_id: int = Field(description="The appointment's id (from list_appointments).")
    text_homeowner: bool = _TEXT_HOMEOWNER
    text_message: str | None = _TEXT_MESSAGE


class ResolvedCancellation(BaseModel):
    appointment_id: int
    title: str
    fields: dict[str, Any]
    """The appointment as Leap would take it again, to book it back on undo."""
    text: ResolvedText | None = None


class CancelAppointment(WriteTool[CancelAppointmentArgs, ResolvedCancellation]):
    name = "cancel_appointment"
    area = AREA
    description = (
        "Cancel an appointment (removes it from Leap's calendar). With text_homeowner, also texts the "
        "customer that it is cancelled (only if the caller asked). Undo books it again; a sent text "
        "stays sent."
    )
    args_model = CancelAppointmentArgs
    resolved_model = ResolvedCancellation

    async def plan(self, ctx: ToolContext, args: CancelAppointmentArgs) -> tuple[str, ResolvedCancellation]:
        current = await ctx.leap.get_appointment(args.appointment_id)
        title = str(current.get("title") or f"#{args.appointment_id}")
        start = parse_leap_time(current.get("start_date_time"))
        when = f" on {spoken_time(start)}" if start and not flag(current.get("full_day")) else ""
        text = None
        if args.text_homeowner:
            standard = (
                f"your {short_title(current)} appointment{when} is cancelled. We'll be in touch to "
                "find a new time."
            )
            text = await homeowner_text(ctx, current, args.text_message, standard)
        fields = {**required_on_update(current), **{key: current.get(key) for key in _RECREATED}}
        fields["attendees"] = fields.pop("attendees_ids")
        resolved = ResolvedCancellation(
            appointment_id=args.appointment_id,
            title=title,
            fields={key: value for key, value in fields.items() if value not in (None, [], "")},
            text=text,
        )
        return f"Cancel appointment '{title}'{when}{and_text(text)}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedCancellation) -> WriteResult:
        await ctx.leap.delete_appointment(resolved.appointment_id)
        texted = await send_homeowner_text(ctx, resolved.text)
        undo = Undo(
            op=self.name,
            args={"title": resolved.title, "fields": resolved.fields},
            summary=f"Book appointment '{resolved.title}' again.",
        )
        result = compact({"cancelled": resolved.appointment_id, "title": resolved.title, "text": texted})
        return WriteResult(result=result, undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        booked = await ctx.leap.create_appointment(dict(args["fields"]))
        return f"Booked appointment '{args['title']}' again (now id {booked.get('id')})."
