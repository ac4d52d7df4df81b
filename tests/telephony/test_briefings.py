"""The morning briefing: Hard-E calls a user, through the real Twilio SDK against the fake REST API,
and opens with the day read from the sandbox Leap; a schedule places it once, at its time, however
many schedulers tick. Every date comes from a fixed clock, never from today's."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from brain import CallContext, Channel
from pipeline import BriefingScheduler, BriefingSchedules, CallPurpose, transcript_blob_key
from telephony import calls
from telephony.outbound import TwilioDialer, call_user
from tenants import Role
from testkit.fakes.twilio_caller import SimulatedCaller
from testkit.waiting import until
from tests.telephony.conftest import DANA, LINE, MIKE, PUBLIC, PhoneLine

DENVER = ZoneInfo("America/Denver")  # the test tenant's time zone
MORNING = datetime(2031, 3, 4, 7, 0, tzinfo=DENVER)  # a Tuesday, years from any seeded date


async def _book(line: PhoneLine, title: str, start: str, end: str) -> None:
    """An appointment on the clock's day, booked through Leap's own API."""
    world = line.world
    ctx = CallContext("acme", "setup", Channel.TEXT, role=Role.OWNER, user_id=world.users[Role.OWNER].id)
    crm = (await world.brain.toolbox(ctx)).crm
    assert crm is not None
    user_id = next(iter(world.data.users))
    await crm.leap.create_appointment(
        {"title": title, "start_date_time": start, "end_date_time": end, "user_id": user_id}
    )


async def _opening(line: PhoneLine, call_sid: str) -> str:
    """What Hard-E said before the person spoke, from the transcript the call stored when it ended."""
    record: dict[str, str] = {}

    async def closed() -> bool:
        record.update(await calls.get_call(line.world.brain.redis, "acme", call_sid))
        return record.get("stream") == "closed"

    await until(closed, timeout=30)
    blob = await line.phone.deps.blobs.get(transcript_blob_key("acme", record["session_id"]))
    said = []
    for entry in json.loads(blob)["lines"]:
        if entry["role"] != "assistant":
            break
        said.append(entry["text"])
    return " ".join(said)


async def test_the_morning_briefing_call_opens_with_todays_appointments(line: PhoneLine) -> None:
    world = line.world
    await _book(line, "Roof inspection at the Kowalski place", "2031-03-04 09:00:00", "2031-03-04 10:00:00")
    await _book(line, "Sign the Baxter contract", "2031-03-04 14:30:00", "2031-03-04 15:00:00")
    await _book(line, "Gutter walkthrough", "2031-03-05 09:00:00", "2031-03-05 10:00:00")  # tomorrow
    moved = next(job for job in world.data.jobs.values() if not job.archived)
    moved.stage_last_modified = datetime(2031, 3, 3, 16, 0)  # yesterday afternoon
    await world.brain.memory.note_company_claim("acme", "We never install on Sundays.", "u_mike")
    world.fake.script()
    dana = world.users[Role.OWNER]

    call_sid = await call_user(line.deps, "acme", dana.id, CallPurpose.MORNING_BRIEFING, now=MORNING)

    placed = line.twilio.created[-1]
    assert (placed["To"], placed["From"]) == (DANA, LINE)
    assert placed["Url"].startswith(f"{PUBLIC}/twilio/voice?outbound=")
    line.twilio.live_call(call_sid, to=DANA, from_=LINE)
    answered = SimulatedCaller(
        line.base, public_url=PUBLIC, auth_token=line.twilio.auth_token, caller=LINE, called=DANA,
        call_sid=call_sid,
    )  # fmt: skip
    await answered.dial(line.http, webhook=placed["Url"], Direction="outbound-api")
    await answered.connect()
    try:
        await answered.wait_for_reply(timeout=60)
    finally:
        await answered.hang_up()

    opening = await _opening(line, call_sid)
    assert opening.startswith("Good morning Dana"), opening
    assert (
        "2 appointments today: 9 AM, Roof inspection at the Kowalski place; 2:30 PM, Sign the Baxter contract"
        in (opening)
    ), opening
    assert "Gutter walkthrough" not in opening
    assert f"{moved.name} is now at" in opening, opening
    assert "overdue" in opening
    assert "We never install on Sundays." in opening


async def test_a_check_in_call_still_opens_with_the_greeting(line: PhoneLine) -> None:
    line.world.fake.script()
    mike = line.world.users[Role.SALES_REP]
    call_sid = await call_user(line.deps, "acme", mike.id, now=MORNING)
    placed = line.twilio.created[-1]
    line.twilio.live_call(call_sid, to=MIKE, from_=LINE)
    answered = SimulatedCaller(
        line.base, public_url=PUBLIC, auth_token=line.twilio.auth_token, caller=LINE, called=MIKE,
        call_sid=call_sid,
    )  # fmt: skip
    await answered.dial(line.http, webhook=placed["Url"], Direction="outbound-api")
    await answered.connect()
    try:
        await answered.wait_for_reply(timeout=60)
    finally:
        await answered.hang_up()
    assert (await _opening(line, call_sid)).startswith("Hey Mike")


async def test_a_scheduled_briefing_is_placed_once_at_its_time_across_two_schedulers(line: PhoneLine) -> None:
    world = line.world
    dana = world.users[Role.OWNER]
    schedules = BriefingSchedules(world.brain.redis)
    await schedules.set("acme", dana.id, time(7, 30))
    clock = {"now": datetime(2031, 3, 4, 7, 29, 30, tzinfo=DENVER)}

    def now() -> datetime:
        return clock["now"]

    tenants = world.brain.tenants
    dialer = TwilioDialer(line.deps, clock=now)
    first, second = (BriefingScheduler(schedules, tenants, dialer, clock=now) for _ in range(2))

    assert await asyncio.gather(first.tick(), second.tick()) == [[], []]  # 30 s early
    assert line.twilio.created == []

    clock["now"] = datetime(2031, 3, 4, 14, 30, 5, tzinfo=UTC)  # 7:30:05 in Denver
    placed = [found for tick in await asyncio.gather(first.tick(), second.tick()) for found in tick]
    again = await asyncio.gather(first.tick(), second.tick())
    assert len(placed) == 1 and again == [[], []]
    assert [call["To"] for call in line.twilio.created] == [DANA]
    assert placed[0].call_sid in line.twilio.calls

    clock["now"] = datetime(2031, 3, 5, 7, 31, tzinfo=DENVER)  # the next morning: once again
    assert len(await second.tick()) == 1
    await schedules.clear("acme", dana.id)
    clock["now"] = datetime(2031, 3, 6, 7, 31, tzinfo=DENVER)
    assert await first.tick() == []
    assert len(line.twilio.created) == 2
