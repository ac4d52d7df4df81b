"""The world around Hard-E: the fakes it talks to, its environment, and the tenant every call rings."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.voice_latency import LLM_FIRST_TOKEN_SECS, STT_FINAL_SECS, TTS_FIRST_AUDIO_SECS
from core import claude_models
from core.redis import Redis
from core.secretbox import SecretBox, parse_keys
from tenants import (
    CrmMode,
    ModelSettings,
    Role,
    Tenant,
    TenantStore,
    TurnStrategy,
    UnknownCallerPolicy,
    User,
    VoiceSettings,
    new_sandbox_token,
)
from testkit.fakes.anthropic import FakeAnthropic, always
from testkit.fakes.cartesia import FakeCartesia
from testkit.fakes.deepgram import FakeDeepgram
from testkit.fakes.twilio_rest import FakeTwilioRest
from testkit.servers import serve

TENANT_ID = "bench-phones"
LINE = "+15125550000"
MODEL = claude_models.VOICE_MODEL
PHRASE = "What is on my schedule today"
REPLY = "Sure, you have two roof inspections this afternoon."  # one sentence: one cached clip


@dataclass(frozen=True)
class Fakes:
    llm: FakeAnthropic
    stt: FakeDeepgram
    tts: FakeCartesia
    twilio: FakeTwilioRest
    env: dict[str, str]  # how Hard-E finds them


@contextlib.asynccontextmanager
async def serve_fakes() -> AsyncIterator[Fakes]:
    llm = FakeAnthropic(first_token_delay=LLM_FIRST_TOKEN_SECS)
    llm.script(always(REPLY))
    stt = FakeDeepgram(final_delay=STT_FINAL_SECS, transcriber=lambda _pcm, _rate: PHRASE)
    tts = FakeCartesia(first_audio_delay=TTS_FIRST_AUDIO_SECS)
    twilio = FakeTwilioRest()
    async with (
        serve(llm.app) as llm_url,
        serve(stt.app) as stt_url,
        serve(tts.app) as tts_url,
        serve(twilio.app) as twilio_url,
    ):
        env = {
            "ANTHROPIC_API_KEY": "sk-ant-bench",
            "ANTHROPIC_BASE_URL": llm_url,
            "DEEPGRAM_API_KEY": "dg-bench",
            "DEEPGRAM_URL": stt_url.replace("http://", "ws://"),
            "CARTESIA_API_KEY": "cartesia-bench",
            "CARTESIA_URL": tts_url.replace("http://", "ws://") + "/tts/websocket",
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_API_BASE_URL": twilio_url,
        }
        yield Fakes(llm, stt, tts, twilio, env)


def server_env(fakes: Fakes, redis_url: str, secret_keys: str, var_dir: Path) -> dict[str, str]:
    """Hard-E's whole environment: nothing inherited but the basics, so no stray setting counts."""
    basics = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    return {
        **basics,
        **fakes.env,
        "REDIS_URL": redis_url,
        "HARDE_SECRET_KEYS": secret_keys,
        "HARDE_VAR_DIR": str(var_dir),
        "HARDE_LOG_LEVEL": "WARNING",
        "OMP_NUM_THREADS": "1",  # one ONNX thread per model run: the calls are the parallelism
    }


def _voice(strategy: TurnStrategy) -> VoiceSettings:
    """Speech timeout: quick, predictable turns (the tenant's shortest stop). Smart Turn: as a new
    tenant gets it; Smart Turn judges the bench's question complete (p=0.84 on the phone path), so
    its turns end at its verdict, not at the stop time."""
    if strategy is TurnStrategy.SPEECH_TIMEOUT:
        return VoiceSettings(turn_strategy=strategy, turn_stop_secs=0.2)
    return VoiceSettings(turn_strategy=strategy)


async def seed_tenant(redis: Redis, secret_keys: str, callers: int, strategy: TurnStrategy) -> list[str]:
    """The tenant every call rings, set up as the demo tenant is (sandbox CRM), with turns ended
    by ``strategy``, the line claimed, and one known user per caller; returns their numbers.
    The users share a first name, so every greeting is the same cached clip."""
    tenants = TenantStore(redis, SecretBox(parse_keys([secret_keys])))
    await tenants.create_tenant(
        Tenant(
            id=TENANT_ID,
            name="Bench Roofing",
            crm=CrmMode.SANDBOX,
            unknown_caller_policy=UnknownCallerPolicy.REFUSE,
            voice=_voice(strategy),
            models=ModelSettings(voice_model=MODEL, fallback_model=MODEL),
        )
    )
    await tenants.set_leap_token(TENANT_ID, new_sandbox_token(), verified_at=None)
    await tenants.claim_number(TENANT_ID, LINE)
    phones = [f"+1512555{1000 + index:04d}" for index in range(callers)]
    for index, phone in enumerate(phones, start=1):
        user = User(tenant_id=TENANT_ID, name=f"Dana Caller{index}", phones=[phone], role=Role.OWNER)
        await tenants.add_user(user)
    return phones


@dataclass(frozen=True)
class Harness:
    """What stays up across rounds: the fakes, the seeded callers, and how to start Hard-E."""

    fakes: Fakes
    http: httpx.AsyncClient
    redis: Redis  # the one Hard-E uses
    env: dict[str, str]
    workers: int
    workdir: Path
    phones: list[str]  # one known user's number per caller
    speech: bytes  # what every caller says, as 8 kHz mu-law
