"""Warm transfers on a whole phone call: Hard-E rings the colleague through the real Twilio SDK
against the fake REST API, the colleague's leg hears who is calling and why, and only then is the
caller joined to them in a conference. If nobody answers, the caller is told and stays."""

from __future__ import annotations

from testkit.fakes.anthropic import on_tool_result, on_user, reply, tool_use
from testkit.fakes.twilio_rest import FakeCall
from testkit.speech import speech_mulaw8k
from testkit.waiting import until
from tests.telephony.conftest import DANA, LINE, MIKE, PUBLIC, PhoneLine

ASK = "Can you put me through to Mike?"
TRANSFER = tool_use("transfer_call", {"to": "Mike", "reason": "the price of the Oak Street roof"})
CALLING = "Sure, I'm calling Mike now."


def mikes_leg(line: PhoneLine) -> FakeCall | None:
    return next((call for call in line.twilio.calls.values() if call.to == MIKE), None)


async def test_a_warm_transfer_tells_the_colleague_about_the_call_then_joins_the_caller(
    line: PhoneLine,
) -> None:
    line.world.fake.script(on_user("mike", reply(TRANSFER)), on_tool_result("transfer_call", CALLING))
    async with line.call_from(DANA) as caller:
        await caller.wait_for_reply()
        await caller.say(speech_mulaw8k(ASK))
        await until(lambda: mikes_leg(line) is not None, timeout=30)
        leg = mikes_leg(line)
        assert leg is not None
        assert line.twilio.calls[caller.call_sid].updates == []  # the caller is still with Hard-E
        await line.twilio.answer(leg.sid)
        await until(lambda: line.twilio.calls[caller.call_sid].conference is not None, timeout=30)

    ringing = next(form for form in line.twilio.created if form["To"] == MIKE)
    assert ringing["From"] == LINE and ringing["Timeout"] == "20"
    assert ringing["Url"].startswith(f"{PUBLIC}/twilio/transfer/answer?tenant=acme&transfer=")
    assert ringing["StatusCallback"].startswith(f"{PUBLIC}/twilio/transfer/status?")
    assert leg.heard == [
        "Hi Mike, it's Hard-E: I have Dana Whitfield on the line about the price of the Oak Street roof, "
        "connecting you now."
    ]
    assert leg.conference and line.twilio.in_conference(leg.conference) == {caller.call_sid, leg.sid}
    spoken = line.phone.cartesia.transcripts
    assert "Mike Alvarez is on the line. Putting you through now." in spoken
    assert spoken.index(CALLING) < spoken.index("Mike Alvarez is on the line. Putting you through now.")
    assert line.twilio.calls[caller.call_sid].status != "completed"  # joined, not hung up


async def test_when_the_colleague_does_not_answer_the_caller_is_told_and_stays(line: PhoneLine) -> None:
    line.world.fake.script(
        on_user("mike", reply(TRANSFER)),
        on_tool_result("transfer_call", CALLING),
        on_user("message", "Got it, I'll tell Mike you called."),
    )
    missed = "Mike Alvarez didn't pick up, so I'm still here with you. I can take a message for them."
    async with line.call_from(DANA) as caller:
        await caller.wait_for_reply()
        await caller.say(speech_mulaw8k(ASK))
        await until(lambda: mikes_leg(line) is not None, timeout=30)
        leg = mikes_leg(line)
        assert leg is not None
        await line.twilio.not_answered(leg.sid)
        await until(lambda: missed in line.phone.cartesia.transcripts, timeout=30)
        await caller.wait_until_quiet(1.0, deadline=float("inf"))
        await caller.say(speech_mulaw8k("Please take a message for him."))
        await until(
            lambda: "Got it, I'll tell Mike you called." in line.phone.cartesia.transcripts, timeout=30
        )

    assert leg.heard == [] and leg.conference is None
    assert line.twilio.calls[caller.call_sid].updates == []  # never moved anywhere


async def test_a_caller_who_hangs_up_while_the_colleague_rings_stops_the_ringing(line: PhoneLine) -> None:
    line.world.fake.script(on_user("mike", reply(TRANSFER)), on_tool_result("transfer_call", CALLING))
    async with line.call_from(DANA) as caller:
        await caller.wait_for_reply()
        await caller.say(speech_mulaw8k(ASK))
        await until(lambda: mikes_leg(line) is not None, timeout=30)
    leg = mikes_leg(line)
    assert leg is not None
    await until(lambda: leg.status == "completed", timeout=30)  # Hard-E cancelled the ringing call
    assert any(update.get("Status") == "canceled" for update in leg.updates)
