"""Appointments, tasks, the production schedule and sub-contractors end to end against the sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crm_leap import ToolError, ToolInputError, registry, run_undo
from crm_leap.tools.common import today
from tests.crm_leap.conftest import run, said

TOOLS = registry()


async def test_list_appointments_defaults_to_the_coming_week(ctx):
    listed = await run(ctx, "list_appointments")

    start = today(ctx)
    assert listed["from"] == start.isoformat()
    assert listed["to"] == (start + timedelta(days=7)).isoformat()
    for item in listed["appointments"]:
        assert start.isoformat() <= item["start"][:10] <= listed["to"]


async def test_list_appointments_for_one_person(ctx, leap):
    chen = await ctx.company.resolve_user("Mike Chen")

    listed = await run(ctx, "list_appointments", user="mike chen", limit=50)

    for item in listed["appointments"]:
        full = await leap.get_appointment(item["id"])
        assert chen.id == full["user_id"] or chen.id in full["attendees_ids"]


async def test_an_appointment_is_booked_moved_and_both_undone(ctx, leap):
    customer = (await leap.find_customers(limit=1)).items[0]
    start = datetime.combine(today(ctx) + timedelta(days=3), datetime.min.time()).replace(hour=14)
    book = TOOLS["create_appointment"]

    prepared = await book.prepare(
        ctx,
        {
            "title": "Roof inspection - Lindqvist",
            "start": start.isoformat(),
            "duration_minutes": 90,
            "assigned_to": "Tyler",
            "attendees": ["Jasmine"],
            "customer_id": customer["id"],
        },
    )

    day = f"{start:%a} {start.day} {start:%b %Y}"
    assert prepared.summary == (
        f"Book 'Roof inspection - Lindqvist' on {day}, 2:00 PM to 3:30 PM with Tyler Brooks, Jasmine Ortiz."
    )
    booked = await book.execute(ctx, prepared.args)
    stored = await leap.get_appointment(booked.result["id"])
    assert (stored["start_date_time"], stored["end_date_time"]) == (
        f"{start:%Y-%m-%d} 14:00:00",
        f"{start:%Y-%m-%d} 15:30:00",
    )
    assert stored["user_id"] == (await ctx.company.resolve_user("Tyler Brooks")).id

    move = TOOLS["update_appointment"]
    later = start + timedelta(days=1, hours=-4)
    moved = await move.execute(
        ctx, (await move.prepare(ctx, {"appointment_id": stored["id"], "start": later.isoformat()})).args
    )
    assert (await leap.get_appointment(stored["id"]))["start_date_time"] == f"{later:%Y-%m-%d} 10:00:00"
    assert (await leap.get_appointment(stored["id"]))["end_date_time"] == f"{later:%Y-%m-%d} 11:30:00"

    assert await run_undo(ctx, moved.undo) == "Put appointment 'Roof inspection - Lindqvist' back as it was."
    assert (await leap.get_appointment(stored["id"]))["start_date_time"] == f"{start:%Y-%m-%d} 14:00:00"

    assert await run_undo(ctx, booked.undo) == "Cancelled the appointment 'Roof inspection - Lindqvist'."
    with pytest.raises(ToolError, match="no such record"):
        await move.prepare(ctx, {"appointment_id": stored["id"], "title": "Gone"})


async def test_a_time_with_an_offset_is_booked_in_company_time(ctx, leap):
    in_utc = datetime.combine(today(ctx) + timedelta(days=5), datetime.min.time()).replace(hour=20)
    book = TOOLS["create_appointment"]

    prepared = await book.prepare(ctx, {"title": "Estimate", "start": f"{in_utc.isoformat()}+00:00"})
    booked = await book.execute(ctx, prepared.args)

    start = (await leap.get_appointment(booked.result["id"]))["start_date_time"]
    assert start.endswith(("13:00:00", "14:00:00"))  # Denver is UTC-7 or UTC-6


async def test_an_update_must_change_something(ctx):
    with pytest.raises(ToolInputError, match="say what to change"):
        await TOOLS["update_appointment"].prepare(ctx, {"appointment_id": 1})


async def test_a_task_is_created_reassigned_and_undone(ctx, leap):
    job = (await leap.find_jobs(limit=1)).items[0]
    due = today(ctx) + timedelta(days=2)
    create = TOOLS["create_task"]

    prepared = await create.prepare(
        ctx,
        {
            "title": "Order ridge vents",
            "assign_to": ["Rachel"],
            "job_id": job["id"],
            "due_date": due.isoformat(),
        },
    )

    assert (
        prepared.summary.lower()
        == (
            f"Create task 'Order ridge vents' on {said(job)} for Rachel Kim, "
            f"due {due:%a} {due.day} {due:%b %Y}."
        ).lower()
    )
    created = await create.execute(ctx, prepared.args)
    task_id = created.result["id"]
    assert created.result["assignees"] == ["Rachel Kim"]

    assign = TOOLS["assign_task"]
    prepared = await assign.prepare(ctx, {"task_id": task_id, "assign_to": ["Luis"]})
    assert prepared.summary == "Reassign task 'Order ridge vents' from Rachel Kim to Luis Ramirez."
    reassigned = await assign.execute(ctx, prepared.args)
    assert reassigned.result["assignees"] == ["Luis Ramirez"]
    listed = await run(ctx, "list_tasks", assignee="Luis Ramirez", limit=50)
    assert task_id in [task["id"] for task in listed["tasks"]]

    assert await run_undo(ctx, reassigned.undo) == "Task 'Order ridge vents' is back with Rachel Kim."
    assert await run_undo(ctx, created.undo) == "Deleted the task 'Order ridge vents'."
    assert task_id not in [task["id"] for task in (await leap.list_tasks(job_id=job["id"], limit=100)).items]


async def test_list_tasks_for_a_job(ctx, leap):
    locked = next(task for task in (await leap.list_tasks(limit=100)).items if task["locked"])

    listed = await run(ctx, "list_tasks", job_id=locked["job_id"])

    assert locked["id"] in [task["id"] for task in listed["tasks"]]
    assert all(task["job_id"] == locked["job_id"] for task in listed["tasks"])


async def test_production_schedule_has_a_crew_view(ctx):
    week = await run(ctx, "production_schedule")
    crew_lead = next(name for name in week["by_crew"] if name in {"Luis Ramirez", "Travis Nguyen"})

    theirs = await run(ctx, "production_schedule", crew_member=crew_lead.split()[0])

    assert week["entries"] and all(entry["crew"] or entry["subs"] for entry in week["entries"])
    assert {entry["id"] for entry in theirs["entries"]} == set(week["by_crew"][crew_lead])


async def test_a_sub_contractor_counts_as_crew(ctx):
    week = await run(ctx, "production_schedule")
    sub = next(name for entry in week["entries"] for name in entry["subs"])

    theirs = await run(ctx, "production_schedule", crew_member=sub)

    assert theirs["entries"] and all(sub in entry["subs"] for entry in theirs["entries"])


async def test_find_subcontractors_by_name(ctx):
    everyone = await run(ctx, "find_subcontractors")
    sample = everyone["subcontractors"][0]

    found = await run(ctx, "find_subcontractors", query=sample["company"].split()[0])

    assert sample["id"] in [sub["id"] for sub in found["subcontractors"]]
    assert sample["trades"] and sample["phone"]
