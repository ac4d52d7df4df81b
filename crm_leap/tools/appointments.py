"""Appointments: see the calendar, book, move or reassign, and take a booking or change back.

Times are the company's wall-clock time (Leap stores them that way). The model may send an
offset; it is converted to the company's zone, so "2 PM" means 2 PM where the roof is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, model_validator

from crm_leap.errors import ToolError
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
from crm_leap.tools.views import appointment_view, flag
from crm_leap.wire import JSON, FormValue

AREA = "appointments"
DEFAULT_DAYS = 7
_CLEARABLE = ("location", "description")


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

    @model_validator(mode="after")
    def _something(self) -> UpdateAppointmentArgs:
        if not self.model_fields_set - {"appointment_id"}:
            raise ValueError("say what to change: start, duration_minutes, title, assigned_to, location...")
        return self


class ResolvedAppointmentChange(BaseModel):
    appointment_id: int
    title: str
    fields: dict[str, Any]
    """What to send: the changes, plus the title and times Leap requires on every update."""
    previous: dict[str, Any]
    """The same fields as they were, to put back."""


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
        "Only what is given changes."
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
        resolved = ResolvedAppointmentChange(
            appointment_id=args.appointment_id,
            title=title,
            fields={**required, **changes},
            previous={
                **required,
                **{field: current.get(field) for field in changes if field not in required},
            },
        )
        return f"Change appointment '{title}'{when}: {'; '.join(said)}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedAppointmentChange) -> WriteResult:
        updated = await ctx.leap.update_appointment(resolved.appointment_id, resolved.fields)
        undo = Undo(
            op=self.name,
            args={
                "appointment_id": resolved.appointment_id,
                "title": resolved.title,
                "restore": resolved.previous,
            },
            summary=f"Put appointment '{resolved.title}' back as it was.",
        )
        return WriteResult(result=appointment_view(updated), undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        restore: JSON = {
            key: "" if value is None and key in _CLEARABLE else value
            for key, value in dict(args["restore"]).items()
        }
        await ctx.leap.update_appointment(int(args["appointment_id"]), restore)
        return f"Put appointment '{args['title']}' back as it was."
