"""Crews (reference §15, §16): sub-contractors and the production schedule."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from leap_sandbox import presenters
from leap_sandbox import presenters_activity as activity
from leap_sandbox.clock import company_now, parse_date
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data, Includes, Page
from leap_sandbox.envelopes import item, ok, page_of
from leap_sandbox.errors import ValidationFailed
from leap_sandbox.models import Schedule, SubContractor
from leap_sandbox.routes.jobs import live_job
from leap_sandbox.validation import Validator

router = APIRouter(tags=["crews"])

CREW_TYPES = ("labor", "sub_contractor")


@router.get("/sub_contractors", summary="Sub-contractors and labor crews")
async def list_sub_contractors(
    request: Request,
    ds: Data,
    paging: Page,
    query: str | None = None,
    type: str | None = None,
    with_deactivated: bool = False,
    only_deactivated: bool = False,
) -> dict[str, Any]:
    if type is not None and type not in CREW_TYPES:
        raise ValidationFailed({"type": ["The selected type is invalid."]})
    search = (query or "").strip().lower()

    def wanted(sub: SubContractor) -> bool:
        if only_deactivated and sub.is_active:
            return False
        if not (with_deactivated or only_deactivated) and not sub.is_active:
            return False
        if type is not None and sub.type != type:
            return False
        text = f"{sub.first_name} {sub.last_name} {sub.company_name} {sub.email}".lower()
        return not search or search in text

    found = [s for s in ds.sub_contractors.values() if wanted(s)]
    return page_of(found, paging, request.url, lambda s: presenters.sub_contractor(ds, s))


@router.get("/schedules", summary="Production schedule (crew calendar)")
async def list_schedules(
    request: Request,
    ds: Data,
    paging: Page,
    includes: Includes,
    rep_ids: Annotated[list[int], Query(alias="rep_ids[]", default_factory=list)],
    sub_ids: Annotated[list[int], Query(alias="sub_ids[]", default_factory=list)],
    start_date: str | None = None,
    end_date: str | None = None,
    job_id: int | None = None,
    is_completed: bool | None = None,
) -> dict[str, Any]:
    first = parse_date(start_date) if start_date else None
    last = parse_date(end_date) if end_date else None
    errors = {
        field: [f"The {field.replace('_', ' ')} does not match the format Y-m-d."]
        for field, raw, parsed in (("start_date", start_date, first), ("end_date", end_date, last))
        if raw and parsed is None
    }
    if errors:
        raise ValidationFailed(errors)

    def wanted(schedule: Schedule) -> bool:
        return (
            (first is None or schedule.end.date() >= first)
            and (last is None or schedule.start.date() <= last)
            and (job_id is None or schedule.job_id == job_id)
            and (not rep_ids or any(r in rep_ids for r in schedule.rep_ids))
            and (not sub_ids or any(s in sub_ids for s in schedule.sub_contractor_ids))
            and (is_completed is None or bool(schedule.is_completed) == is_completed)
        )

    found = sorted((s for s in ds.schedules.values() if wanted(s)), key=lambda s: (s.start, s.id))
    return page_of(found, paging, request.url, lambda s: activity.schedule(ds, s, includes))


@router.get("/schedules/{schedule_id:int}", summary="Get one schedule")
async def get_schedule(schedule_id: int, ds: Data, includes: Includes) -> dict[str, Any]:
    schedule = ds.find(ds.schedules, schedule_id, "Schedule")
    return item(activity.schedule(ds, schedule, includes))


@router.post(
    "/schedules",
    summary="Schedule production work (proposed)",
    tags=["crews (proposed)"],
    openapi_extra=FORM_BODY_DOC,
)
async def create_schedule(ds: Data, body: Body) -> dict[str, Any]:
    v = Validator(body)
    title = v.text("title", required=True)
    job_id = v.integer("job_id", required=True, among=ds.jobs)
    if v.flag("full_day"):
        day = v.day("date", required=True)
        start = datetime.combine(day, time(0, 0)) if day else None
        end = datetime.combine(day, time(23, 59, 59)) if day else None
    else:
        start = v.timestamp("start_date_time", required=True)
        end = v.timestamp("end_date_time", required=True)
        if start and end and end <= start:
            v.fail("end_date_time", "The end date time must be a date after start date time.")
    rep_ids = v.int_list("rep_ids", among=ds.users) or []
    sub_ids = v.int_list("sub_contractor_ids", among=ds.sub_contractors) or []
    trade_ids = v.int_list("trade_ids", among=ds.trades)
    description = v.text("description", max_length=5000)
    v.check()
    assert title and job_id and start and end
    job = live_job(ds, job_id)
    now = company_now()
    schedule = Schedule(
        id=ds.next_id("schedule"),
        title=title,
        job_id=job.id,
        customer_id=job.customer_id,
        start=start,
        end=end,
        created_at=now,
        updated_at=now,
        full_day=int(bool(v.flag("full_day"))),
        description=description,
        rep_ids=rep_ids,
        sub_contractor_ids=sub_ids,
        trade_ids=trade_ids if trade_ids is not None else list(job.trade_ids),
    )
    ds.schedules[schedule.id] = schedule
    return ok(message="Schedule saved successfully.", data=activity.schedule(ds, schedule))
