"""A phone line on real parts: the telephony routes on a loopback server, the whole pipeline of
tests/pipeline (speech fakes, fake Claude, sandbox CRM), the fake Twilio REST API, and a simulated
caller that behaves like Twilio's media streams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

import telephony
from core.settings import Settings
from telephony import TelephonyDeps, TwilioRest
from tenants import Role
from testkit.fakes.deepgram import load_whisper, transcribe_pcm16
from testkit.fakes.twilio_caller import SimulatedCaller, mulaw_decode
from testkit.fakes.twilio_rest import FakeTwilioRest
from testkit.servers import serve
from tests.brain.conftest import World, world  # noqa: F401 - the brain on real parts
from tests.pipeline.conftest import Phone, phone_for

PUBLIC = "https://voice.example.com"
LINE = "+15125550000"
DANA = "+15125550101"  # the owner's cell
MIKE = "+15125550102"  # the sales rep's cell
STRANGER = "+15125559999"


@pytest.fixture(scope="module", autouse=True)
def whisper() -> None:
    load_whisper()


def heard(mulaw: bytes) -> str:
    """What a person would make of the audio the caller heard (Whisper on the 8 kHz line)."""
    pcm = mulaw_decode(mulaw).astype(np.int16).tobytes()
    return transcribe_pcm16(pcm, sample_rate=8000) if pcm else ""


@dataclass
class PhoneLine:
    base: str
    phone: Phone
    twilio: FakeTwilioRest
    http: httpx.AsyncClient
    deps: TelephonyDeps

    @property
    def world(self) -> World:
        return self.phone.world

    @asynccontextmanager
    async def call_from(self, number: str, *, connect: bool = True) -> AsyncIterator[SimulatedCaller]:
        caller = SimulatedCaller(
            self.base, public_url=PUBLIC, auth_token=self.twilio.auth_token, caller=number, called=LINE
        )
        await caller.dial(self.http)
        self.twilio.live_call(caller.call_sid, to=LINE, from_=number)
        if connect:
            await caller.connect()
        try:
            yield caller
        finally:
            await caller.hang_up()


@pytest.fixture
async def line(world: World, tmp_path: Path) -> AsyncIterator[PhoneLine]:  # noqa: F811
    tenants = world.brain.tenants
    await tenants.claim_number("acme", LINE)
    await tenants.update_user("acme", world.users[Role.OWNER].id, phones=[DANA])
    await tenants.update_user("acme", world.users[Role.SALES_REP].id, phones=[MIKE])
    fake_rest = FakeTwilioRest()
    # Phone audio reaches the fake re-encoded, so it is really heard: Whisper, not known transcripts.
    async with phone_for(world, tmp_path, hear_with_whisper=True) as phone, serve(fake_rest.app) as rest_url:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, public_url=PUBLIC, twilio_account_sid=fake_rest.account_sid,
            twilio_auth_token=SecretStr(fake_rest.auth_token), twilio_api_base_url=rest_url,
        )  # fmt: skip
        rest = TwilioRest(fake_rest.account_sid, fake_rest.auth_token, base_url=rest_url)
        app = FastAPI()
        app.include_router(telephony.router)
        app.state.telephony = TelephonyDeps(
            settings=settings, redis=world.brain.redis, tenants=tenants, usage=phone.deps.usage,
            pipeline=phone.deps, rest=rest,
        )  # fmt: skip
        async with serve(app) as base, httpx.AsyncClient() as http:
            fake_rest.deliver_to = (PUBLIC, base)  # the people Hard-E calls answer through the webhooks
            yield PhoneLine(base, phone, fake_rest, http, app.state.telephony)
        await rest.aclose()
