"""Whole calls on real parts: the brain world of ``tests/brain`` (Redis, tenant store, Leap sandbox,
the real Anthropic SDK against the fake Messages API), the Deepgram and Cartesia fakes on loopback,
and a caller streaming real speech (Piper) over a real websocket into Pipecat's FastAPI transport.

The Deepgram fake transcribes the caller from known transcripts (``testkit.said``), so a
test of the conversation's logic never waits on how Whisper heard a sentence; a test about hearing
asks for Whisper (``phone_for(..., hear_with_whisper=True)``). What the bot says is still really spoken,
and tests that check what the caller heard transcribe it with Whisper.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pipecat.transports.websocket.fastapi import FastAPIWebsocketTransport

from brain import CallContext, Channel
from core.blobs import LocalBlobStore
from core.settings import Settings
from memory import Line
from pipeline import (
    CallRecord,
    CallSessions,
    CallTiming,
    PipelineDeps,
    SpeechVocabulary,
    Transferrer,
    UpdateSink,
    run_call,
)
from tenants import ModelSettings, Role, TurnStrategy, UsageMeter, VoiceSettings
from testkit.fakes.cartesia import FakeCartesia
from testkit.fakes.deepgram import FakeDeepgram, load_whisper
from testkit.fakes.session import Fault
from testkit.pcm_caller import Caller, dial, pcm_call_app
from testkit.said import CallerWords
from testkit.servers import serve
from tests.brain.conftest import FALLBACK, PRIMARY, World, world  # noqa: F401 (the world fixture)

VOICE = VoiceSettings(turn_strategy=TurnStrategy.SPEECH_TIMEOUT, turn_stop_secs=0.8)
# Short enough that idle tests stay quick, long enough for a caller's natural pause.
TEST_TIMING = CallTiming(idle_secs=3.0, filler_after_secs=0.4, goodbye_grace_secs=20.0)


@pytest.fixture(scope="module", autouse=True)
def whisper() -> None:
    """Load Whisper once per module, before any call needs it."""
    load_whisper()


@dataclass
class Phone:
    """Places calls into the pipeline and keeps what each call left behind."""

    world: World
    deps: PipelineDeps
    deepgram: FakeDeepgram
    cartesia: FakeCartesia
    words: CallerWords
    records: list[CallRecord] = field(default_factory=list)
    memory_calls: list[tuple[CallContext, Sequence[Line]]] = field(default_factory=list)

    def ctx(self, role: Role = Role.OWNER, session: str = "call-1") -> CallContext:
        user = self.world.users[role]
        return CallContext(
            tenant_id="acme", session_id=session, channel=Channel.PHONE, role=role, user_id=user.id,
            user_name=user.name,
        )  # fmt: skip

    @asynccontextmanager
    async def call(
        self,
        ctx: CallContext | None = None,
        *,
        out_rate: int = 16000,
        transferrer: Transferrer | None = None,
        on_update: UpdateSink | None = None,
        deps: PipelineDeps | None = None,
    ) -> AsyncIterator[Caller]:
        ctx = ctx or self.ctx()
        finished: asyncio.Future[CallRecord] = asyncio.get_running_loop().create_future()

        async def run(transport: FastAPIWebsocketTransport) -> None:
            try:
                record = await run_call(
                    transport, ctx, deps or self.deps, audio_out_sample_rate=out_rate,
                    transferrer=transferrer, on_update=on_update,
                )  # fmt: skip
            except BaseException as error:
                finished.set_exception(error)
                raise
            finished.set_result(record)

        app = pcm_call_app(run, out_rate=out_rate)
        async with serve(app) as base, dial(base, out_rate=out_rate, words=self.words) as caller:
            yield caller
            if not caller.closed.is_set():
                await caller.hang_up()
            self.records.append(await asyncio.wait_for(finished, 60))

    @property
    def record(self) -> CallRecord:
        return self.records[-1]

    @property
    def sessions(self) -> CallSessions:
        return CallSessions(self.world.brain.redis)


async def set_voice(brain_world: World, voice: VoiceSettings = VOICE) -> None:
    await brain_world.brain.tenants.update_tenant(
        "acme", voice=voice, models=ModelSettings(voice_model=PRIMARY, fallback_model=FALLBACK)
    )


@asynccontextmanager
async def phone_for(
    brain_world: World,
    tmp_path: Path,
    *,
    cloud_speech: bool = True,
    hear_with_whisper: bool = False,
    stt_fault: Fault | None = None,
) -> AsyncIterator[Phone]:
    """Calls on ``brain_world``. The Deepgram fake hears the caller from known transcripts unless
    ``hear_with_whisper`` (tests about hearing, and audio that is re-encoded on its way)."""
    words = CallerWords()
    deepgram = FakeDeepgram(transcriber=None if hear_with_whisper else words, fault=stt_fault)
    cartesia = FakeCartesia()
    async with serve(deepgram.app) as stt_url, serve(cartesia.app) as tts_url:
        speech: dict[str, Any] = {}
        if cloud_speech:
            speech = {
                "deepgram_api_key": "dg-test-key",
                "deepgram_url": stt_url.replace("http://", "ws://"),
                "cartesia_api_key": "cartesia-test-key",
                "cartesia_url": tts_url.replace("http://", "ws://") + "/tts/websocket",
            }
        settings = Settings(_env_file=None, **speech)  # type: ignore[call-arg]
        memory_calls: list[tuple[CallContext, Sequence[Line]]] = []

        async def extract(ctx: CallContext, transcript: Sequence[Line]) -> None:
            memory_calls.append((ctx, transcript))

        brain = brain_world.brain
        deps = PipelineDeps(
            brain=brain,
            tenants=brain.tenants,
            claude=brain.claude,
            sessions=CallSessions(brain.redis),
            usage=UsageMeter(brain.redis),
            blobs=LocalBlobStore(tmp_path / "blobs"),
            settings=settings,
            extract_memories=extract,
            vocabulary=SpeechVocabulary(brain.redis, knowledge=brain.knowledge),
            timing=TEST_TIMING,
        )
        await set_voice(brain_world)
        yield Phone(brain_world, deps, deepgram, cartesia, words, memory_calls=memory_calls)


@pytest.fixture
async def phone(world: World, tmp_path: Path) -> AsyncIterator[Phone]:  # noqa: F811
    async with phone_for(world, tmp_path) as found:
        yield found
