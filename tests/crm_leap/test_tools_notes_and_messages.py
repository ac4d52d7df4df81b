"""Notes with @mentions, email and text messages end to end against the sandbox."""

from __future__ import annotations

import pytest

from crm_leap import ToolError, ToolInputError, registry, run_undo
from tests.crm_leap.conftest import run, said

TOOLS = registry()


async def a_job(leap):
    return (await leap.find_jobs(limit=1)).items[0]


async def test_a_note_mentioning_someone_notifies_them_the_way_leap_does(ctx, leap, sandbox, token):
    job = await a_job(leap)
    tool = TOOLS["add_job_note"]

    prepared = await tool.prepare(
        ctx,
        {
            "job_id": job["id"],
            "text": "@Mike Chen can you call the homeowner?",
            "mention": ["Mike Chen", "Rachel"],
        },
    )

    assert (
        prepared.summary.lower()
        == (
            f"Add a note to {said(job)}: '@Mike Chen can you call the homeowner?' "
            "and notify Mike Chen, Rachel Kim."
        ).lower()
    )
    chen = await ctx.company.resolve_user("Mike Chen")
    kim = await ctx.company.resolve_user("Rachel Kim")
    assert prepared.args["note"] == f"@[U:{kim.id}] @[U:{chen.id}] can you call the homeowner?"

    result = await tool.execute(ctx, prepared.args)

    notified = {
        item["user_id"]
        for item in sandbox.notifications(token)
        if item["note_id"] == result.result["note_id"]
    }
    assert notified == {chen.id, kim.id}
    listed = await run(ctx, "list_job_notes", job_id=job["id"], limit=1)
    assert listed["notes"][0]["text"] == "@Rachel Kim @Mike Chen can you call the homeowner?"
    assert sorted(listed["notes"][0]["mentions"]) == ["Mike Chen", "Rachel Kim"]

    assert (await run_undo(ctx, result.undo)).lower() == f"deleted the note on {said(job)}."
    remaining = await leap.list_job_notes(job["id"], limit=50)
    assert result.result["note_id"] not in [note["id"] for note in remaining.items]


async def test_mentioning_an_ambiguous_name_asks_which_one(ctx, leap):
    job = await a_job(leap)

    with pytest.raises(ToolError) as asked:
        await TOOLS["add_job_note"].prepare(
            ctx, {"job_id": job["id"], "text": "Please check", "mention": ["Mike"]}
        )

    assert asked.value.message == (
        "Two users match 'Mike': Mike Alvarez (sales manager) and Mike Chen (sales rep). Which one?"
    )


async def test_list_job_notes_is_newest_first_with_authors(ctx, leap):
    job = await a_job(leap)
    await leap.add_job_note(job["id"], "Second visit booked.")

    listed = await run(ctx, "list_job_notes", job_id=job["id"], limit=3)

    assert listed["notes"][0]["text"] == "Second visit booked."
    assert listed["notes"][0]["by"] == "Open API User"  # notes written through the API are Leap's API user
    assert listed["total"] >= 1


async def test_emails_are_listed_read_and_sent(ctx, leap, sandbox, token):
    listed = await run(ctx, "list_emails", limit=5)
    first = listed["emails"][0]
    email = await run(ctx, "read_email", email_id=first["id"])

    assert listed["total"] >= len(listed["emails"]) > 0
    assert email["subject"] == first["subject"] and email["body"]
    assert "<" not in email["body"]  # HTML became text

    customer = (await leap.find_customers(limit=1)).items[0]
    tool = TOOLS["send_email"]
    prepared = await tool.prepare(
        ctx,
        {
            "customer_id": customer["id"],
            "subject": "Your roof estimate",
            "body": "Hi!\n\nThe estimate is attached & ready.",
        },
    )
    assert prepared.summary == (
        f"Email {customer['full_name']} <{customer['email']}>, subject 'Your roof estimate': "
        "'Hi! The estimate is attached & ready.'."
    )
    assert sandbox.outbox(token)["emails"] == []

    result = await tool.execute(ctx, prepared.args)

    (sent,) = sandbox.outbox(token)["emails"]
    assert sent["to"] == [customer["email"]]
    assert sent["content"] == "<p>Hi!</p><p>The estimate is attached &amp; ready.</p>"
    assert result.undo is None  # an email cannot be unsent


async def test_an_email_needs_a_recipient(ctx):
    with pytest.raises(ToolInputError, match="give recipient addresses"):
        await TOOLS["send_email"].prepare(ctx, {"subject": "Hi", "body": "Hello"})


async def test_a_text_goes_to_the_customers_mobile_and_shows_in_history(ctx, leap, sandbox, token):
    customer = next(
        c for c in (await leap.find_customers(limit=100)).items if c["phones"][0]["label"] == "cell"
    )
    mobile = customer["phones"][0]["number"]
    tool = TOOLS["send_text"]

    prepared = await tool.prepare(
        ctx, {"customer_id": customer["id"], "message": "Crew arrives at 8 tomorrow."}
    )

    pretty = f"({mobile[:3]}) {mobile[3:6]}-{mobile[6:]}"
    assert prepared.summary == f"Text {customer['full_name']} at {pretty}: 'Crew arrives at 8 tomorrow.'."
    result = await tool.execute(ctx, prepared.args)

    assert result.undo is None
    assert [text["phone_number"] for text in sandbox.outbox(token)["texts"]] == [mobile]
    history = await run(ctx, "text_history", customer_id=customer["id"], limit=3)
    assert history["messages"][-1]["text"] == "Crew arrives at 8 tomorrow."
    assert history["messages"][-1]["direction"] == "outbound"


async def test_text_history_shows_the_latest_messages_oldest_first(ctx, leap):
    thread = (await leap.list_text_threads(limit=1)).items[0]
    everything = (await leap.list_thread_messages(int(thread["id"]), limit=100)).items

    history = await run(ctx, "text_history", phone=thread["phone_number"], limit=2)

    assert history["total"] == len(everything)
    assert [message["id"] for message in history["messages"]] == [
        message["id"] for message in everything[-2:]
    ]


async def test_texting_an_opted_out_number_is_refused_with_leaps_reason(ctx, sandbox, token):
    opted_out = sorted(sandbox.dataset(token).sms_opted_out)[0]
    tool = TOOLS["send_text"]
    prepared = await tool.prepare(ctx, {"phone": opted_out, "message": "Hello"})

    with pytest.raises(ToolError, match="has not consented to receive text messages"):
        await tool.execute(ctx, prepared.args)


async def test_a_text_longer_than_an_sms_is_refused_before_leap(ctx):
    with pytest.raises(ToolInputError, match="160"):
        await TOOLS["send_text"].prepare(ctx, {"phone": "3035550100", "message": "x" * 161})
