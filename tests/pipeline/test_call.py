"""Whole calls: real speech in, real speech out, the brain and the sandbox CRM in between.

Each test asserts what the caller heard (Whisper transcribes the bot's audio as it arrived at the
caller's end) and what the call left behind (CRM changes, records, usage).
"""

from __future__ import annotations

import json
import re

from pipeline import EndReason, SpokenLine, ToolLogEntry, transcript_blob_key
from tenants import Role
from tests.fakes.anthropic import on_tool_result, on_user, reply, tool_use
from tests.pipeline.conftest import Phone


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def sounds_like(heard: str, expected: str) -> bool:
    """Whether every word of ``expected`` is in what was heard (Whisper's case and punctuation aside)."""
    return words(expected) <= words(heard)


async def test_a_spoken_question_is_answered_from_the_crm_and_the_call_is_wrapped_up(phone: Phone) -> None:
    world = phone.world
    job = world.job_in_stage("Proposal Sent")
    last_name = job.name.split(" - ")[0]

    def answer(request):  # the answer comes from what the sandbox returned to the tool
        found = request.tool_result("find_jobs").json()["jobs"][0]
        return f"The {last_name} job is at {found['stage']}."

    world.fake.script(
        on_user("stage", reply(tool_use("find_jobs", {"keyword": last_name}))),
        on_tool_result("find_jobs", answer),
        on_user("thanks", reply("You bet, talk soon.", tool_use("end_call", {"reason": "done"}))),
    )
    updates: list[object] = []

    async def listen(update: object) -> None:
        updates.append(update)

    async with phone.call(on_update=listen) as caller:
        greeting = await caller.bot_reply(after=0.0)
        asked = await caller.say(f"What stage is the {last_name} job in?")
        answered = await caller.bot_reply(after=asked)
        thanked = await caller.say("That is all thanks")
        await caller.wait_closed()
        goodbye = await caller.bot_reply(after=thanked)

    assert "dana" in words(greeting), greeting
    assert sounds_like(answered, "proposal sent"), answered
    assert last_name.lower() in words(answered) or "job" in words(answered), answered
    assert sounds_like(goodbye, "talk soon"), goodbye

    record = phone.record
    assert record.end_reason is EndReason.BOT_HUNG_UP
    assert [entry.event.tool for entry in record.tools] == ["find_jobs", "end_call"]
    assert [line.role for line in record.lines][:3] == ["assistant", "caller", "assistant"]
    assert any(isinstance(update, ToolLogEntry) for update in updates)
    assert any(isinstance(update, SpokenLine) and update.role == "caller" for update in updates)

    # The wrap-up: transcript blob, usage, session record, memory hook.
    blob = json.loads(await phone.deps.blobs.get(transcript_blob_key("acme", "call-1")))
    assert blob["end_reason"] == "bot_hung_up"
    assert [tool["tool"] for tool in blob["tools"]] == ["find_jobs", "end_call"]
    assert any(line["role"] == "caller" and "stage" in line["text"].lower() for line in blob["lines"])
    assert blob["latency"] and blob["latency"][-1]["stages"]
    usage = await phone.deps.usage.daily("acme", days=1)
    assert usage[0].voice_minutes > 0
    session = await phone.sessions.get("acme", "call-1")
    assert session is not None and session.status == "ended"
    assert session.fields["end_reason"] == "bot_hung_up"
    assert {stage["label"] for turn in session.latency for stage in turn["stages"]} >= {"LLM inference"}
    [(ctx, transcript)] = phone.memory_calls
    assert ctx.session_id == "call-1" and ctx.role is Role.OWNER
    assert any(line.role == "caller" and "stage" in line.text.lower() for line in transcript)
