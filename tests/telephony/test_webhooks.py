"""Twilio's webhooks as Twilio sends them: signed form posts over real HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from core.secretbox import SecretBox, new_key_spec, parse_keys
from core.settings import Settings
from telephony import calls, stream_tokens
from telephony.deps import TelephonyDeps
from telephony.stream_tokens import CallerMode
from telephony.webhooks import router
from tenants import Tenant, TenantStore, TrialLimits, UnknownCallerPolicy, UsageMeter, User
from testkit.servers import serve

AUTH_TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://voice.example.com"
LINE, MIKE, STRANGER = "+15125550000", "+15125550102", "+15125559999"


@pytest.fixture
async def phone(redis):
    store = TenantStore(redis, SecretBox(parse_keys([new_key_spec("k1")])))
    await store.create_tenant(Tenant(id="acme", name="Acme Roofing"))
    await store.claim_number("acme", LINE)
    mike = await store.add_user(User(tenant_id="acme", name="Mike Alvarez", phones=[MIKE]))
    app = FastAPI()
    app.include_router(router)
    settings = Settings(public_url=PUBLIC, twilio_auth_token=SecretStr(AUTH_TOKEN))
    app.state.telephony = TelephonyDeps(
        settings=settings, redis=redis, tenants=store, usage=UsageMeter(redis)
    )
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as http:
        yield http, store, mike


def signed(path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(f"{PUBLIC}{path}", form)}


CALL_SID = "CA" + "1" * 32


def call_form(caller: str = MIKE, called: str = LINE, **extra: str) -> dict[str, str]:
    return {"CallSid": CALL_SID, "From": caller, "To": called, "Direction": "inbound", **extra}


async def post(http, path: str, form: dict[str, str], headers=None):
    return await http.post(path, data=form, headers=signed(path, form) if headers is None else headers)


def stream_parameters(twiml: str) -> dict[str, str]:
    assert '<Connect><Stream url="wss://voice.example.com/twilio/stream">' in twiml
    return dict(re.findall(r'<Parameter name="(\w+)" value="([^"]+)" />', twiml))


async def test_known_caller_gets_a_stream_with_a_one_time_token(phone, redis):
    http, _, mike = phone
    response = await post(http, "/twilio/voice", call_form())
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    params = stream_parameters(response.text)
    tenant, token = params["tenant"], params["token"]
    # Presented for another call or tenant, the token is refused and stays unused.
    assert await stream_tokens.redeem(redis, tenant, "CA" + "6" * 32, token) is None
    assert await stream_tokens.redeem(redis, "other", CALL_SID, token) is None
    assert await stream_tokens.redeem(redis, f"{tenant}:stream:{CALL_SID}", "", token) is None
    assert await stream_tokens.redeem(redis, tenant.upper(), CALL_SID, token) is None  # not a tenant id
    grant = await stream_tokens.redeem(redis, tenant, CALL_SID, token)
    assert grant is not None and grant.user_id == mike.id and grant.mode is CallerMode.KNOWN
    assert await stream_tokens.redeem(redis, tenant, CALL_SID, token) is None


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, "other-token"],
    ids=["none", "garbage", "wrong-key"],
)
async def test_unsigned_or_badly_signed_webhooks_are_refused(phone, headers):
    http, _, _ = phone
    form = call_form()
    if headers == "other-token":
        headers = signed("/twilio/voice", form, token="someone-elses-token")
    response = await post(http, "/twilio/voice", form, headers=headers)
    assert response.status_code == 403


async def test_a_tampered_form_breaks_the_signature(phone):
    http, _, _ = phone
    form = call_form()
    headers = signed("/twilio/voice", form)
    response = await http.post("/twilio/voice", data={**form, "From": STRANGER}, headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("policy", "mode"),
    [(UnknownCallerPolicy.PIN, CallerMode.PIN), (UnknownCallerPolicy.READ_ONLY, CallerMode.READ_ONLY)],
)
async def test_unknown_callers_get_the_tenants_policy(phone, redis, policy, mode):
    http, store, _ = phone
    await store.update_tenant("acme", unknown_caller_policy=policy)
    params = stream_parameters((await post(http, "/twilio/voice", call_form(caller=STRANGER))).text)
    grant = await stream_tokens.redeem(redis, params["tenant"], CALL_SID, params["token"])
    assert grant.mode is mode and grant.user_id is None


async def test_refuse_policy_and_unknown_numbers_hang_up_politely(phone):
    http, store, _ = phone
    await store.update_tenant("acme", unknown_caller_policy=UnknownCallerPolicy.REFUSE)
    refused = (await post(http, "/twilio/voice", call_form(caller=STRANGER))).text
    assert "only takes calls from the team" in refused and "<Hangup />" in refused
    unassigned = (await post(http, "/twilio/voice", call_form(called="+15125550001"))).text
    assert "not set up" in unassigned and "<Stream" not in unassigned


async def test_a_trial_without_minutes_is_told_so(phone):
    http, store, _ = phone
    await store.update_tenant("acme", trial=TrialLimits(expires_at=datetime.now(UTC) - timedelta(days=1)))
    expired = (await post(http, "/twilio/voice", call_form())).text
    assert "trial has ended" in expired and "<Stream" not in expired
    await store.update_tenant("acme", trial=TrialLimits(max_voice_minutes=0))
    used_up = (await post(http, "/twilio/voice", call_form())).text
    assert "used all its voice minutes" in used_up


async def test_status_callback_closes_calls_whose_stream_never_opened(phone, redis):
    http, _, _ = phone
    await post(http, "/twilio/voice", call_form())
    final = call_form(CallStatus="completed", CallDuration="3")
    assert (await post(http, "/twilio/status", final)).status_code == 204
    record = await calls.get_call(redis, "acme", "CA" + "1" * 32)
    assert record["stream"] == "never_opened" and record["duration_seconds"] == "3"
    assert (await post(http, "/twilio/status", final, headers={})).status_code == 403


@pytest.mark.parametrize("duration", ["abc", "nan", "inf", "-1", "2.5", "1e3", " 3"])
async def test_a_status_callback_whose_duration_is_not_whole_seconds_is_refused(phone, redis, duration):
    http, _, _ = phone
    await post(http, "/twilio/voice", call_form())

    response = await post(http, "/twilio/status", call_form(CallStatus="completed", CallDuration=duration))

    assert response.status_code == 422
    assert "CallDuration" in response.text and "whole number of seconds" in response.text
    record = await calls.get_call(redis, "acme", "CA" + "1" * 32)
    assert "duration_seconds" not in record and record["stream"] == "pending"
