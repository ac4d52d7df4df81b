"""Whole browser calls over real WebRTC: an aiortc peer offers, speaks Piper clips as Opus, and hears
the bot's answer; the widget's transcript and tool events arrive over the data channel."""

from __future__ import annotations

from brain import Channel
from pipeline import CallSessions
from tenants import Role
from testkit.fakes.anthropic import RecordedRequest, on_tool_result, on_user, reply, tool_use
from testkit.webrtc_caller import browser_call
from tests.brain.conftest import action_ids
from tests.webrtc.conftest import Door


def first_stage(request: RecordedRequest) -> str:
    return str(request.tool_result("find_jobs").json()["jobs"][0]["stage"])


async def test_a_browser_call_hears_the_greeting_and_an_answer_and_wraps_up_once(door: Door) -> None:
    job = door.world.job_in_stage("Proposal Sent")
    last_name = job.name.split(" - ")[0]
    door.world.fake.script(
        on_user("status", reply(tool_use("find_jobs", {"keyword": last_name}))),
        on_tool_result("find_jobs", lambda r: f"The {last_name} job is at {first_stage(r)}."),
    )
    token = door.token(Role.OWNER)
    async with browser_call(door.http, door.base, token) as browser:
        await browser.wait_for(lambda message: message.get("type") == "bot-ready")
        greeting = await browser.reply(after=0.0)
        spoke = await browser.say(f"What is the status of the {last_name} job?")
        answer = await browser.reply(after=spoke)
        await browser.wait_for(
            lambda _m: any("proposal" in line.lower() for line in browser.lines("assistant"))
        )
        heard = browser.lines("caller")
        tools = browser.server_data("tool")
        session_id = browser.session_id
    assert "dana" in greeting.lower(), greeting
    assert "propos" in answer.lower(), answer  # Whisper on Opus audio: "proposal sent" or "proposed a ..."
    assert any("status" in line.lower() for line in heard), heard  # the caller's side of the transcript
    assert [tool["tool"] for tool in tools] == ["find_jobs"] and tools[0]["status"] == "ok"

    state = await door.wait_for_state(token, session_id, "ended")
    assert state["reason"] == "caller_hung_up"
    record = await CallSessions(door.world.brain.redis).get("acme", session_id)
    assert (
        record is not None and record.fields["channel"] == Channel.WEBRTC.value and record.status == "ended"
    )
    assert len(door.phone.memory_calls) == 1
    ctx, _lines = door.phone.memory_calls[0]
    assert ctx.channel is Channel.WEBRTC and ctx.user_id == door.world.users[Role.OWNER].id
    assert await door.deps.slots.held("acme") == 0


async def test_a_write_waits_for_a_typed_yes_that_goes_through_the_same_policy(door: Door) -> None:
    world = door.world
    job = world.job_in_stage("Lead")
    last_name = job.name.split(" - ")[0]
    world.fake.script(
        on_user(
            "proposal", reply(tool_use("change_job_stage", {"job_id": job.id, "stage": "proposal sent"}))
        ),
        on_tool_result("change_job_stage", "I'll move it to Proposal Sent. Shall I?"),
        on_user("yes", lambda r: reply(tool_use("confirm_action", {"action_id": action_ids(r)[-1]}))),
        on_tool_result("confirm_action", "Done, it's moved."),
    )
    async with browser_call(door.http, door.base, door.token(Role.SALES_REP)) as browser:
        await browser.reply(after=0.0)
        spoke = await browser.say(f"Move the {last_name} job to proposal sent.")
        await browser.reply(after=spoke)
        pending = await browser.wait_for(
            lambda m: m.get("type") == "server-message" and m["data"].get("status") == "pending"
        )
        assert pending["data"]["tool"] == "change_job_stage" and pending["data"]["action_id"]
        assert world.stage_of(job.id) == "Lead"
        browser.send_text("Yes, go ahead.")  # the widget's Confirm button
        await browser.wait_for(
            lambda m: m.get("type") == "server-message" and m["data"].get("status") == "confirmed"
        )
    assert world.stage_of(job.id) == "Proposal Sent"
