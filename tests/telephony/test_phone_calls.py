"""Whole phone calls the way Twilio places them: signed webhook, TwiML, media stream with real
8 kHz mu-law speech, and what the caller hears transcribed by Whisper."""

from __future__ import annotations

import asyncio
import json
import os
import signal

import pytest

from core.redis import EmbeddedRedis
from pipeline import CallNotPlaced, CallSessions, transcript_blob_key
from telephony import calls
from telephony.outbound import call_user
from tenants import Role, Tenant, UnknownCallerPolicy
from testkit.fakes.anthropic import RecordedRequest, on_tool_result, on_user, reply, tool_use
from testkit.fakes.twilio_caller import SimulatedCaller
from testkit.speech import speech_mulaw8k
from tests.brain.conftest import action_ids
from tests.telephony.conftest import DANA, LINE, MIKE, PUBLIC, STRANGER, PhoneLine, heard


def first_stage(request: RecordedRequest) -> str:
    return str(request.tool_result("find_jobs").json()["jobs"][0]["stage"])


async def test_a_phone_call_asking_for_a_jobs_status_hears_its_stage(line: PhoneLine) -> None:
    job = line.world.job_in_stage("Proposal Sent")
    last_name = job.name.split(" - ")[0]
    line.world.fake.script(
        on_user("status", reply(tool_use("find_jobs", {"keyword": last_name}))),
        on_tool_result("find_jobs", lambda r: f"The {last_name} job is at {first_stage(r)}."),
    )
    async with line.call_from(DANA) as caller:
        _, greeting = await caller.wait_for_reply()
        await caller.say(speech_mulaw8k(f"What is the status of the {last_name} job?"))
        latency, answer = await caller.wait_for_reply()
    assert "dana" in heard(greeting).lower()
    assert "proposal" in heard(answer).lower(), heard(answer)
    assert 0 < latency < 10


async def test_a_call_carries_on_when_redis_is_killed_mid_call(
    line: PhoneLine, redis_server: EmbeddedRedis
) -> None:
    job = line.world.job_in_stage("Proposal Sent")
    last_name = job.name.split(" - ")[0]
    line.world.fake.script(
        on_user("status", reply(tool_use("find_jobs", {"keyword": last_name}))),
        on_tool_result("find_jobs", lambda r: f"The {last_name} job is at {first_stage(r)}."),
    )
    async with line.call_from(DANA) as caller:
        await caller.wait_for_reply()
        killed = redis_server.pid
        assert killed is not None
        os.kill(killed, signal.SIGKILL)  # the turn below needs Redis (rate limiter, session, usage)
        await caller.say(speech_mulaw8k(f"What is the status of the {last_name} job?"))
        _, answer = await caller.wait_for_reply()
    assert "proposal" in heard(answer).lower(), heard(answer)
    assert redis_server.pid not in (None, killed)
    assert (await _record_of(line, caller.call_sid))["stream"] == "closed"


async def test_a_stage_change_confirmed_by_voice_changes_the_crm(line: PhoneLine) -> None:
    world = line.world
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
    async with line.call_from(MIKE) as caller:
        await caller.wait_for_reply()
        await caller.say(speech_mulaw8k(f"Move the {last_name} job to proposal sent."))
        await caller.wait_for_reply()
        assert world.stage_of(job.id) == "Lead"
        await caller.say(speech_mulaw8k("Yes, go ahead."))
        _, done = await caller.wait_for_reply()
    assert world.stage_of(job.id) == "Proposal Sent"
    assert "moved" in heard(done).lower()


async def test_a_reused_stream_token_is_refused(line: PhoneLine) -> None:
    line.world.fake.script()
    async with line.call_from(DANA) as first:
        await first.wait_for_reply()
        replay = SimulatedCaller(
            line.base, public_url=PUBLIC, auth_token=line.twilio.auth_token, caller=DANA, called=LINE,
            call_sid=first.call_sid,
        )  # fmt: skip
        replay.twiml = first.twiml
        await replay.connect()
        await asyncio.wait_for(replay.closed.wait(), 10)
        assert replay.close_code == 1008
        assert replay.heard.audio == bytearray()


async def test_a_forged_call_sid_neither_opens_the_stream_nor_burns_the_callers_token(
    line: PhoneLine,
) -> None:
    line.world.fake.script()
    async with line.call_from(DANA, connect=False) as caller:
        forger = SimulatedCaller(
            line.base, public_url=PUBLIC, auth_token=line.twilio.auth_token, caller=DANA, called=LINE
        )  # another callSid, the genuine call's token
        forger.twiml = caller.twiml
        await forger.connect()
        await asyncio.wait_for(forger.closed.wait(), 10)
        assert forger.close_code == 1008 and forger.heard.audio == bytearray()

        await caller.connect()
        _, greeting = await caller.wait_for_reply()
    assert "dana" in heard(greeting).lower()


async def test_a_forged_stream_without_a_webhook_is_refused(line: PhoneLine) -> None:
    caller = SimulatedCaller(line.base, public_url=PUBLIC, auth_token="x", caller=DANA, called=LINE)
    await caller.connect(parameters={"tenant": "acme", "token": "made-up"})
    await asyncio.wait_for(caller.closed.wait(), 10)
    assert caller.close_code == 1008


async def test_a_stream_token_outliving_its_erased_tenant_opens_no_call_on_a_new_one(line: PhoneLine) -> None:
    redis, tenants = line.world.brain.redis, line.world.brain.tenants
    await tenants.update_tenant("acme", unknown_caller_policy=UnknownCallerPolicy.READ_ONLY)
    async with line.call_from(STRANGER, connect=False) as caller:  # a read-only grant, no user to miss
        key = f"t:acme:stream:{caller.call_sid}:{caller.parameters['token']}"  # where the webhook put it
        grant = await redis.get(key)
        await tenants.erase_tenant("acme")
        await tenants.create_tenant(Tenant(id="acme", name="Another Company"))
        await redis.set(key, grant, ex=60)  # the grant was written while the erase was under way

        await caller.connect()
        await asyncio.wait_for(caller.closed.wait(), 10)

    assert caller.close_code == 1008
    assert caller.heard.audio == bytearray()


async def test_barge_in_clears_twilios_buffer(line: PhoneLine) -> None:
    long_answer = " ".join(
        f"Point number {n} is about the roof and the gutters and the siding." for n in range(1, 9)
    )
    line.world.fake.script(on_user("everything", long_answer))
    async with line.call_from(DANA) as caller:
        await caller.wait_for_reply()
        await caller.say(speech_mulaw8k("Tell me everything about the schedule."))
        while not caller.heard.first_sound_at or len(caller.heard.first_sound_at) < 2:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # the bot is mid-answer
        await caller.say(speech_mulaw8k("Stop, stop. Wait a second."))
        for _ in range(100):
            if caller.clears:
                break
            await asyncio.sleep(0.05)
    assert caller.clears >= 1


async def test_a_cold_transfer_redirects_the_live_call_to_the_colleague(line: PhoneLine) -> None:
    line.world.fake.script(
        on_user("mike", reply(tool_use("transfer_call", {"to": "Mike", "reason": "pricing", "warm": False})))
    )
    async with line.call_from(DANA) as caller:
        await caller.wait_for_reply()
        await caller.say(speech_mulaw8k("Can you put me through to Mike?"))
        _, said = await caller.wait_for_reply()
        for _ in range(200):
            if line.twilio.calls[caller.call_sid].updates:
                break
            await asyncio.sleep(0.05)
    update = line.twilio.calls[caller.call_sid].updates[0]
    assert f'<Dial callerId="{LINE}">{MIKE}</Dial>' in update["Twiml"]
    assert "transferring you" in heard(said).lower()
    assert line.twilio.calls[caller.call_sid].status != "completed"  # not hung up after the hand-over


async def test_hanging_up_closes_the_session_and_stores_the_transcript(line: PhoneLine) -> None:
    line.world.fake.script(on_user("weather", "No idea about the weather, sorry."))
    async with line.call_from(DANA) as caller:
        await caller.wait_for_reply()
        await caller.say(speech_mulaw8k("How is the weather today?"))
        await caller.wait_for_reply()
    record = None
    for _ in range(200):
        record = await calls.get_call(line.world.brain.redis, "acme", caller.call_sid)
        if record.get("stream") == "closed":
            break
        await asyncio.sleep(0.05)
    assert record and record["stream"] == "closed"
    session_id = record["session_id"]
    session = await CallSessions(line.world.brain.redis).get("acme", session_id)
    assert session is not None and session.status == "ended"
    transcript = json.loads(await line.phone.deps.blobs.get(transcript_blob_key("acme", session_id)))
    assert any(
        "weather" in entry["text"].lower() for entry in transcript["lines"] if entry["role"] == "caller"
    )


async def test_a_malformed_message_does_not_kill_the_call(line: PhoneLine) -> None:
    line.world.fake.script(on_user("status", "Still here and listening."))
    async with line.call_from(DANA) as caller:
        await caller.wait_for_reply()
        assert caller._socket is not None
        await caller._socket.send("{not json")
        await caller._socket.send("[" * 5000)  # once raised RecursionError and ended the call
        await caller._socket.send(json.dumps({"event": "media", "media": None}))
        await caller._socket.send(b"\xff\xfe binary")
        await caller._socket.send(json.dumps({"event": "media", "media": {"payload": "%%%not-base64%%%"}}))
        await caller._socket.send(json.dumps({"event": "media", "media": "wrong shape"}))
        await caller._socket.send("x" * 100_000)
        await caller.say(speech_mulaw8k("What is the status now?"))
        _, answer = await caller.wait_for_reply()
    assert "listening" in heard(answer).lower()


def pin_reply(request: RecordedRequest) -> str:
    verified = request.tool_result("verify_pin").json().get("verified")
    return "You're in, let's go." if verified else "That PIN did not work, try again."


async def test_an_unknown_caller_passes_the_pin_check_by_keypad(line: PhoneLine) -> None:
    world = line.world
    mike = world.users[Role.SALES_REP]
    await world.brain.tenants.set_pin("acme", mike.id, "2468")
    world.fake.script(
        on_user("DTMF", lambda r: reply(tool_use("verify_pin", {"pin": r.last_user_text.split(":")[-1]}))),
        on_tool_result("verify_pin", pin_reply),
        on_user("DTMF", lambda r: reply(tool_use("verify_pin", {"pin": r.last_user_text.split(":")[-1]}))),
        on_tool_result("verify_pin", pin_reply),
    )
    async with line.call_from(STRANGER) as caller:
        await caller.wait_for_reply()
        await caller.press("1111#")
        await caller.wait_for_reply()
        await caller.press("2468#")
        await caller.wait_for_reply()
    # The keypad logic is the point, so what the bot said is read where it went into speech; each
    # wait_for_reply above has already checked that the caller heard an answer.
    spoken = line.phone.cartesia.transcripts
    assert "press pound" in spoken[0].lower(), spoken
    assert spoken[1:] == ["That PIN did not work, try again.", "You're in, let's go."], spoken
    first_request = world.fake.requests[0]
    assert first_request.last_user_text.endswith("DTMF: 1111#")
    session = await CallSessions(world.brain.redis).get("acme", await _session_of(line, caller.call_sid))
    assert session is not None and session.fields["user_id"] == mike.id


async def _session_of(line: PhoneLine, call_sid: str) -> str:
    return (await _record_of(line, call_sid))["session_id"]


async def _record_of(line: PhoneLine, call_sid: str) -> dict[str, str]:
    """The call's record once its stream has closed."""
    for _ in range(200):
        record = await calls.get_call(line.world.brain.redis, "acme", call_sid)
        if record.get("stream") == "closed":
            return record
        await asyncio.sleep(0.05)
    raise AssertionError("the call never closed")


async def test_hard_e_calls_a_user_who_lands_in_the_same_stream_path(line: PhoneLine) -> None:
    dana = line.world.users[Role.OWNER]
    call_sid = await call_user(line.deps, "acme", dana.id)
    placed = line.twilio.created[-1]
    assert (placed["To"], placed["From"]) == (DANA, LINE)
    assert placed["Url"].startswith(f"{PUBLIC}/twilio/voice?outbound=")

    line.twilio.live_call(call_sid, to=DANA, from_=LINE)
    answered = SimulatedCaller(
        line.base,
        public_url=PUBLIC,
        auth_token=line.twilio.auth_token,
        caller=LINE,
        called=DANA,
        call_sid=call_sid,
    )
    await answered.dial(line.http, webhook=placed["Url"], Direction="outbound-api")
    await answered.connect()
    try:
        _, greeting = await answered.wait_for_reply()
    finally:
        await answered.hang_up()
    assert "dana" in heard(greeting).lower()


async def test_an_outbound_call_needs_a_line_and_a_number(line: PhoneLine) -> None:
    rep = line.world.users[Role.READ_ONLY]  # has no phone number
    with pytest.raises(CallNotPlaced, match="has no phone number"):
        await call_user(line.deps, "acme", rep.id)
    await line.world.brain.tenants.release_number("acme", LINE)
    with pytest.raises(CallNotPlaced, match="no phone line yet"):
        await call_user(line.deps, "acme", line.world.users[Role.OWNER].id)
