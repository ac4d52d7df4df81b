"""What a sales director's day needs beyond one record: money across the company, proposals found by
customer on any page, tasks done and handed over, appointments moved or cancelled with the homeowner
told. Real tools, real client, real sandbox; expected figures come from the sandbox's own data, and the
tools' clock is fixed from that data, so nothing depends on today's date."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm_leap import ToolError, registry, run_undo
from crm_leap.tools import ToolContext
from crm_leap.tools.reports import period_bounds
from tests.crm_leap.conftest import TIMEZONE, run

TOOLS = registry()
LOCAL = ZoneInfo(TIMEZONE)


def clocked(ctx: ToolContext, moment: datetime) -> ToolContext:
    """The same tenant, with its clock stopped at ``moment`` (aware)."""
    return dataclasses.replace(ctx, clock=lambda: moment)


def local_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), LOCAL).astimezone(UTC)


def dollars(value: float) -> str:
    return f"${value:,.2f}"


def money_in(ds: Any, first: date, last: date, on: date, rep_id: int | None = None) -> dict[str, Any]:
    """The report, computed straight from the sandbox's records: awarded live jobs (of one rep)."""
    jobs = {
        j.id: j
        for j in ds.jobs.values()
        if ds.is_awarded(j) and j.archived is None and (rep_id is None or rep_id in j.rep_ids)
    }
    paid = [
        p
        for p in ds.payments.values()
        if p.job_id in jobs and p.canceled is None and first <= p.paid_on <= last
    ]
    still_open = [i for i in ds.invoices.values() if i.job_id in jobs and i.open_balance > 0]
    overdue = [i for i in still_open if i.due_date < on]
    return {
        "received": {"total": dollars(sum(p.amount for p in paid)), "payments": len(paid)},
        "open_invoices": {
            "balance": dollars(sum(i.open_balance for i in still_open)),
            "count": len(still_open),
        },
        "overdue_invoices": {"balance": dollars(sum(i.open_balance for i in overdue)), "count": len(overdue)},
    }


def last_payment_day(ds: Any) -> date:
    return max(p.paid_on for p in ds.payments.values() if p.canceled is None)


def report_figures(report: dict[str, Any]) -> dict[str, Any]:
    return {key: report[key] for key in ("received", "open_invoices", "overdue_invoices")}


async def test_company_money_this_week_matches_the_sandboxs_records(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    day = last_payment_day(ds)
    first, last = period_bounds("this_week", day)

    report = await run(clocked(ctx, local_noon(day)), "company_financials", period="this_week")

    expected = money_in(ds, first, last, day)
    assert expected["received"]["payments"] > 0 and expected["open_invoices"]["count"] > 0
    assert report_figures(report) == expected
    assert first.weekday() == 0 and report["period"].startswith(
        f"this week: {first:%a} {first.day} {first:%b}"
    )


async def test_a_payments_question_reads_no_invoices_and_says_so(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    day = last_payment_day(ds)
    first, last = period_bounds("this_week", day)
    sandbox.clear_requests()

    report = await run(
        clocked(ctx, local_noon(day)), "company_financials", period="this_week", about="payments"
    )

    assert report["received"] == money_in(ds, first, last, day)["received"]
    assert "open_invoices" not in report and "overdue_invoices" not in report
    assert all(set(row) == {"rep", "received"} for row in report["by_rep"])
    paths = [record.path for record in sandbox.requests(token)]
    assert not [path for path in paths if path.endswith("/invoices")]
    assert len(paths) == 1 + sum(  # the job list, then one payment history per job that was paid
        1
        for j in ds.jobs.values()
        if ds.is_awarded(j) and j.archived is None and ds.payments_received(j.id) > 0
    )


async def test_this_month_and_last_month_are_calendar_months(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    day = last_payment_day(ds)
    at = clocked(ctx, local_noon(day))

    this_month = await run(at, "company_financials", period="this_month")
    last_month = await run(at, "company_financials", period="last_month")

    month_start = day.replace(day=1)
    previous_end = month_start - timedelta(days=1)
    assert (
        report_figures(this_month)["received"]
        == money_in(ds, month_start, day + timedelta(31), day)["received"]
    )
    assert (
        report_figures(last_month)["received"]
        == money_in(ds, previous_end.replace(day=1), previous_end, day)["received"]
    )


async def test_the_week_is_the_companys_week_not_utcs(ctx, sandbox, token):
    """Monday 03:00 UTC is still Sunday evening in Denver: "this week" is the week that is ending."""
    ds = sandbox.dataset(token)
    day = last_payment_day(ds)
    first, last = period_bounds("this_week", day)
    monday_utc = datetime.combine(last + timedelta(days=1), time(3), UTC)

    report = await run(clocked(ctx, monday_utc), "company_financials", period="this_week")

    assert report["received"] == money_in(ds, first, last, last)["received"]
    assert report["received"]["payments"] > 0


async def test_one_reps_money_and_the_split_by_rep(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    day = last_payment_day(ds)
    first, last = period_bounds("this_month", day)
    paid_job = next(
        ds.jobs[p.job_id] for p in ds.payments.values() if p.paid_on == day and ds.jobs[p.job_id].rep_ids
    )
    rep = ds.users[paid_job.rep_ids[0]]
    at = clocked(ctx, local_noon(day))

    mine = await run(at, "company_financials", period="this_month", rep=rep.full_name)
    everyone = await run(at, "company_financials", period="this_month")

    assert report_figures(mine) == money_in(ds, first, last, day, rep_id=rep.id)
    assert [entry["rep"] for entry in mine["by_rep"]] == [rep.full_name]
    primary = {
        j.id
        for j in ds.jobs.values()
        if j.rep_ids and j.rep_ids[0] == rep.id and ds.is_awarded(j) and not j.archived
    }
    received = sum(
        p.amount
        for p in ds.payments.values()
        if p.job_id in primary and p.canceled is None and first <= p.paid_on <= last
    )
    row = next(entry for entry in everyone["by_rep"] if entry["rep"] == rep.full_name)
    assert row["received"] == dollars(received) != "$0.00"


async def test_a_proposal_on_page_three_is_found_by_its_customers_name(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    newest_first = sorted(
        (d for d in ds.documents.values() if d.kind == "proposal"),
        key=lambda d: (d.created_at, d.id),
        reverse=True,
    )
    wanted = newest_first[25]  # page 3 of Leap's default 10 a page
    customer = ds.customers[ds.jobs[wanted.job_id].customer_id]

    found = await run(ctx, "list_proposals", customer=customer.full_name, limit=50)

    theirs = {
        d.id
        for d in newest_first
        if ds.jobs[d.job_id].archived is None
        and customer.full_name.lower() in ds.customers[ds.jobs[d.job_id].customer_id].full_name.lower()
    }
    assert wanted.id in {p["id"] for p in found["proposals"]}
    assert {p["id"] for p in found["proposals"]} == theirs and found["total"] == len(theirs)
    assert {p["customer"] for p in found["proposals"]} == {customer.full_name}


async def test_a_title_search_reads_every_page(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    oldest = min(
        (d for d in ds.documents.values() if d.kind == "proposal"), key=lambda d: (d.created_at, d.id)
    )
    word = oldest.title.split()[0]

    found = await run(ctx, "list_proposals", search=word, limit=50)

    expected = {
        d.id for d in ds.documents.values() if d.kind == "proposal" and word.lower() in d.title.lower()
    }
    assert oldest.id in {p["id"] for p in found["proposals"]} and found["total"] == len(expected)


async def test_a_task_is_completed_and_another_reassigned(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    pending = [t for t in ds.tasks.values() if t.completed is None]
    done_one, handed_one = pending[0], pending[1]
    complete = TOOLS["complete_task"]

    prepared = await complete.prepare(ctx, {"task_id": done_one.id})
    assert (
        prepared.summary.startswith(f"Mark task '{done_one.title}'")
        and ds.tasks[done_one.id].completed is None
    )
    completed = await complete.execute(ctx, prepared.args)
    assert ds.tasks[done_one.id].completed is not None and completed.result["done"]
    with pytest.raises(ToolError, match="already done"):
        await complete.prepare(ctx, {"task_id": done_one.id})

    newcomer = next(u for u in ds.users.values() if u.id not in handed_one.user_ids and u.active)
    assign = TOOLS["assign_task"]
    handed = await assign.execute(
        ctx, (await assign.prepare(ctx, {"task_id": handed_one.id, "assign_to": [newcomer.full_name]})).args
    )
    assert ds.tasks[handed_one.id].user_ids == [newcomer.id]
    assert handed.result["assignees"] == [newcomer.full_name]

    assert await run_undo(ctx, completed.undo) == f"Task '{done_one.title}' is open again."
    assert ds.tasks[done_one.id].completed is None


def _textable_appointment(ds: Any) -> Any:
    """An appointment with a customer who can be texted (a mobile, not opted out)."""
    return next(
        a
        for a in sorted(ds.appointments.values(), key=lambda a: a.id)
        if not a.full_day
        and a.customer_id
        and any(p.label == "cell" for p in ds.customers[a.customer_id].phones)
        and ds.customers[a.customer_id].phones[0].number not in ds.sms_opted_out
    )


async def test_an_appointment_is_rescheduled_and_the_homeowner_texted(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    appointment = _textable_appointment(ds)
    customer = ds.customers[appointment.customer_id]
    mobile = next(p.number for p in customer.phones if p.label == "cell")
    new_start = datetime.combine(appointment.start.date() + timedelta(days=2), time(14))
    move = TOOLS["update_appointment"]

    prepared = await move.prepare(
        ctx, {"appointment_id": appointment.id, "start": new_start.isoformat(), "text_homeowner": True}
    )

    spoken = f"{new_start:%a} {new_start.day} {new_start:%b %Y}, 2:00 PM"
    assert f"and text {customer.full_name} at ({mobile[:3]}) {mobile[3:6]}-{mobile[6:]}" in prepared.summary
    assert spoken in prepared.summary
    assert sandbox.outbox(token)["texts"] == []  # nothing is sent before the yes

    moved = await move.execute(ctx, prepared.args)

    assert ds.appointments[appointment.id].start == new_start
    texts = sandbox.outbox(token)["texts"]
    assert [t["phone_number"] for t in texts] == [mobile]
    assert texts[0]["content"].startswith(f"Hi {customer.first_name},") and spoken in texts[0]["content"]
    assert (
        moved.result["text"] == f"sent to {customer.full_name} at ({mobile[:3]}) {mobile[3:6]}-{mobile[6:]}"
    )


async def test_a_move_without_asking_texts_nobody(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    appointment = _textable_appointment(ds)
    move = TOOLS["update_appointment"]
    later = appointment.start + timedelta(hours=1)

    prepared = await move.prepare(ctx, {"appointment_id": appointment.id, "start": later.isoformat()})
    await move.execute(ctx, prepared.args)

    assert "text" not in prepared.summary.split(":", 1)[1] and sandbox.outbox(token)["texts"] == []


async def test_an_appointment_is_cancelled_with_a_text_and_booked_again_on_undo(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    appointment = _textable_appointment(ds)
    customer = ds.customers[appointment.customer_id]
    cancel = TOOLS["cancel_appointment"]

    prepared = await cancel.prepare(ctx, {"appointment_id": appointment.id, "text_homeowner": True})
    assert prepared.summary.startswith(f"Cancel appointment '{appointment.title}' on ")
    cancelled = await cancel.execute(ctx, prepared.args)

    assert appointment.id not in ds.appointments
    [text] = sandbox.outbox(token)["texts"]
    assert text["content"].startswith(f"Hi {customer.first_name},") and "cancelled" in text["content"]

    said = await run_undo(ctx, cancelled.undo)
    again = [
        a for a in ds.appointments.values() if a.title == appointment.title and a.start == appointment.start
    ]
    assert said.startswith(f"Booked appointment '{appointment.title}' again")
    assert [(a.customer_id, a.user_id, a.end) for a in again] == [
        (appointment.customer_id, appointment.user_id, appointment.end)
    ]


async def test_texting_about_an_appointment_without_a_customer_is_refused_before_any_change(
    ctx, sandbox, token
):
    ds = sandbox.dataset(token)
    lonely = next((a for a in ds.appointments.values() if not a.customer_id), None)
    if lonely is None:
        pytest.skip("the demo company has no appointment without a customer")
    with pytest.raises(ToolError, match="no customer"):
        await TOOLS["cancel_appointment"].prepare(ctx, {"appointment_id": lonely.id, "text_homeowner": True})
    assert lonely.id in ds.appointments


async def test_a_document_is_found_by_name_and_emailed_to_the_homeowner(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    report = next(
        d
        for d in ds.documents.values()
        if d.kind == "measurement"
        and ds.jobs[d.job_id].archived is None
        and ds.customers[ds.jobs[d.job_id].customer_id].email
    )
    job = ds.jobs[report.job_id]
    customer = ds.customers[job.customer_id]

    found = await run(
        ctx, "find_documents", search=report.title.split()[0].lower(), customer=customer.full_name
    )

    hit = next(item for item in found["found"] if item.get("document_id") == report.id)
    send = TOOLS["send_document"]
    prepared = await send.prepare(
        ctx, {"job_id": hit["job_id"], "document_id": hit["document_id"], "via": "email"}
    )
    assert prepared.summary.startswith(f"Email the {report.title}")
    assert f"to {customer.full_name} <{customer.email}>" in prepared.summary
    assert sandbox.outbox(token)["emails"] == []

    await send.execute(ctx, prepared.args)

    [email] = sandbox.outbox(token)["emails"]
    assert email["to"] == [customer.email] and email["job_ids"] == [job.id]
    assert [(a["type"], a["value"], a["name"]) for a in email["attachments"]] == [
        ("measurement", report.id, report.title)
    ]


async def test_a_worksheet_is_found_by_name_and_texted(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    sheet = next(
        w
        for w in ds.worksheets.values()
        if ds.jobs[w.job_id].archived is None
        and any(p.label == "cell" for p in ds.customers[ds.jobs[w.job_id].customer_id].phones)
        and ds.customers[ds.jobs[w.job_id].customer_id].phones[0].number not in ds.sms_opted_out
    )
    words = sheet.name.lower().replace("-", " ").split()[:2]

    found = await run(ctx, "find_documents", search=" ".join(words), job_id=sheet.job_id)

    assert sheet.id in [item.get("worksheet_id") for item in found["found"]]
    send = TOOLS["send_document"]
    await send.execute(
        ctx, (await send.prepare(ctx, {"job_id": sheet.job_id, "worksheet_id": sheet.id, "via": "text"})).args
    )
    [text] = sandbox.outbox(token)["texts"]
    assert [(m["type"], m["value"]) for m in text["media"]] == [("worksheet", sheet.id)]
    first_name = ds.customers[ds.jobs[sheet.job_id].customer_id].first_name
    assert text["content"].startswith(f"Hi {first_name}, here is the {sheet.name} for the ")


async def test_a_document_from_another_job_is_not_sent(ctx, sandbox, token):
    ds = sandbox.dataset(token)
    report = next(
        d for d in ds.documents.values() if d.kind == "measurement" and ds.jobs[d.job_id].archived is None
    )
    other = next(j for j in ds.jobs.values() if j.id != report.job_id and j.archived is None)

    with pytest.raises(ToolError, match=f"no document {report.id}"):
        await TOOLS["send_document"].prepare(
            ctx, {"job_id": other.id, "document_id": report.id, "via": "email"}
        )
