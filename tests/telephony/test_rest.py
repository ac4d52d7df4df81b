"""Call control through the real twilio SDK against the fake Twilio REST API."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from telephony import twiml
from telephony.rest import TwilioRest
from testkit.fakes.twilio_rest import FakeTwilioRest
from testkit.servers import serve


@pytest.fixture
async def twilio():
    fake = FakeTwilioRest()
    async with serve(fake.app) as base:
        rest = TwilioRest(fake.account_sid, fake.auth_token, base_url=base)
        yield fake, rest
        await rest.aclose()


async def test_redirect_a_live_call_to_a_person(twilio):
    fake, rest = twilio
    fake.live_call("CA1")
    assert await rest.redirect("CA1", twiml.dial("+15125550101", "+15125550000", "Connecting you to Dana."))
    update = fake.calls["CA1"].updates[0]
    assert '<Dial callerId="+15125550000">+15125550101</Dial>' in update["Twiml"]


async def test_an_ended_call_is_reported_not_raised(twilio):
    fake, rest = twilio
    fake.live_call("CA2")
    fake.end_call("CA2")
    assert await rest.redirect("CA2", twiml.say_and_hang_up("bye")) is False
    assert await rest.hang_up("CA-unknown") is False


async def test_dial_out_and_point_a_number(twilio):
    fake, rest = twilio
    sid = await rest.dial(
        to="+15125550102", from_="+15125550000", url="https://v.example.com/twilio/voice",
        status_callback="https://v.example.com/twilio/status",
    )  # fmt: skip
    assert sid.startswith("CA") and fake.created[0]["To"] == "+15125550102"
    number = fake.own_number("+15125550000")
    config = await rest.point_number(
        "+15125550000",
        voice_url="https://v.example.com/twilio/voice",
        status_url="https://v.example.com/twilio/status",
    )
    assert config.sid == number.sid and number.voice_url == "https://v.example.com/twilio/voice"
    with pytest.raises(LookupError, match="not a number of this Twilio account"):
        await rest.point_number("+15125550009", voice_url="x", status_url="y")


async def test_wrong_credentials_surface_as_twilio_errors(twilio):
    fake, _ = twilio
    async with serve(fake.app) as base:
        wrong = TwilioRest(fake.account_sid, "not-the-token", base_url=base)
        with pytest.raises(TwilioRestException) as raised:
            await wrong.hang_up("CA1")
        assert raised.value.code == 20003
        await wrong.aclose()
