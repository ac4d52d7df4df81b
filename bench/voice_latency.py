"""Voice-to-voice latency of a call, and the part of it that is Hard-E's own.

A caller streams real speech (Piper) in real time over a websocket into the real pipeline: Silero,
the speech-timeout turn strategy, the brain's prompt and tools, Pipecat's Anthropic, Deepgram and
Cartesia services. The three providers are the wire-level fakes with FIXED latencies (final
transcript 150 ms after Finalize, first LLM token 500 ms, first TTS audio 90 ms), so what varies
is the platform. For each of ~20 turns:

- total: from the caller's last spoken frame leaving the caller to the bot's first audio arriving
  back at the caller (measured at the caller, so transports count too; "first audio" as the TTS
  latency counts it, since the fake voice's clips open with a little silence of their own);
- turn wait: the silence Silero heard before it reported the end of speech (from the caller's last
  spoken frame to the VAD's verdict, both on this process's clock), plus the turn strategy's
  configured speech timeout (none here). Silero stays confident for a window or two after the
  last syllable, so it hears more than its configured stop time; Pipecat's own breakdown assumes
  it hears exactly that, which is why both are printed;
- platform overhead = total - turn wait - 150 ms - 500 ms - 90 ms. Target: p95 under 60 ms. It is
  split into the server's share (everything from the VAD's verdict to the bot starting to speak,
  less the providers) and delivery (the bot starting to speak to its audio reaching the caller).
  Pipecat's "turn detection" stage is in the server's share: with no speech timeout configured,
  that time is Hard-E's processors and Pipecat's, not a wait.

The fakes do real work (Whisper, Piper) and pad it up to their fixed latency; when the work takes
longer (Whisper on two busy cores often does), they record by how much. That excess is the
stand-in's, not Hard-E's, so it is reported on its own line and taken out of the overhead.

The tenant uses the shortest turn stop (0.2 s, no speech timeout on top of Silero's), so the
transcript, not a timer, releases each turn and the STT latency sits on the critical path as the
formula assumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from pipecat.transports.websocket.fastapi import FastAPIWebsocketTransport

from brain import Brain, CallContext, Channel, Claude, LeapConnector
from core import claude_models
from core.blobs import LocalBlobStore
from core.redis import EmbeddedRedis, client_for
from core.secretbox import SecretBox, new_key_spec, parse_keys
from core.settings import Settings
from leap_sandbox import create_sandbox_app
from memory import MemoryStore
from pipeline import CallRecord, CallSessions, PipelineDeps, TurnLatency, run_call
from pipeline.turns import VAD_STOP_SECS, speech_timeout_secs
from tenants import (
    CrmMode,
    ModelSettings,
    Role,
    Tenant,
    TenantStore,
    TurnStrategy,
    UsageMeter,
    User,
    VoiceSettings,
    new_sandbox_token,
)
from testkit.fakes.anthropic import FakeAnthropic, always
from testkit.fakes.cartesia import FakeCartesia
from testkit.fakes.deepgram import FakeDeepgram, load_whisper
from testkit.pcm_caller import dial, pcm_call_app
from testkit.servers import serve
from testkit.speech import speech_pcm16

STT_FINAL_SECS = 0.150
LLM_FIRST_TOKEN_SECS = 0.500
TTS_FIRST_AUDIO_SECS = 0.090
PROVIDERS_SECS = STT_FINAL_SECS + LLM_FIRST_TOKEN_SECS + TTS_FIRST_AUDIO_SECS
TARGET_OVERHEAD_P95_SECS = 0.060
TURNS = 20
PHRASES = (
    "What is on my schedule today",
    "Who is working the Thompson job",
    "Any new leads this morning",
    "How much is still owed on the Moore job",
)
VOICE = VoiceSettings(turn_strategy=TurnStrategy.SPEECH_TIMEOUT, turn_stop_secs=0.2)
MODEL = claude_models.VOICE_MODEL


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _deps(redis_url: str, llm_url: str, stt_url: str, tts_url: str, blobs: Path) -> PipelineDeps:
    redis = client_for(redis_url)
    tenants = TenantStore(redis, SecretBox(parse_keys([new_key_spec("k1")])))
    await tenants.create_tenant(
        Tenant(
            id="bench",
            name="Bench Roofing",
            crm=CrmMode.SANDBOX,
            voice=VOICE,
            models=ModelSettings(voice_model=MODEL, fallback_model=MODEL),
        )
    )
    await tenants.set_leap_token("bench", new_sandbox_token(), verified_at=None)
    await tenants.add_user(User(tenant_id="bench", id="u_dana", name="Dana Whitfield", role=Role.OWNER))
    brain = Brain(
        redis=redis,
        tenants=tenants,
        claude=Claude("sk-ant-bench", base_url=llm_url, max_retries=0),
        leap=LeapConnector(redis, tenants, leap_base_url="http://unused", sandbox_app=create_sandbox_app()),
        memory=MemoryStore(redis),
    )
    settings = Settings(
        _env_file=None,
        deepgram_api_key="dg-bench",
        deepgram_url=stt_url.replace("http://", "ws://"),
        cartesia_api_key="cartesia-bench",
        cartesia_url=tts_url.replace("http://", "ws://") + "/tts/websocket",
    )
    return PipelineDeps(
        brain=brain,
        tenants=tenants,
        claude=brain.claude,
        sessions=CallSessions(redis),
        usage=UsageMeter(redis),
        blobs=LocalBlobStore(blobs),
        settings=settings,
    )


def _fake_lateness(stt: FakeDeepgram, tts: FakeCartesia) -> float:
    """Seconds the fakes have run over their fixed latencies so far, in total."""
    stt_late = sum(late for session in stt.sessions for late in session.late_by)
    return stt_late + sum(late for session in tts.sessions for late in session.late_by)


@dataclass(frozen=True)
class Turn:
    """One question and answer as the caller lived it, on ``time.monotonic()``."""

    spoken_until: float  # the caller's last spoken frame went out
    answered_at: float  # the bot's first audio arrived
    fake_late: float  # how far the fakes overran their fixed latencies in this turn

    @property
    def total(self) -> float:
        return self.answered_at - self.spoken_until


async def _call(deps: PipelineDeps, stt: FakeDeepgram, tts: FakeCartesia) -> tuple[list[Turn], CallRecord]:
    ctx = CallContext(
        tenant_id="bench", session_id="bench-call", channel=Channel.WEBRTC, role=Role.OWNER,
        user_id="u_dana", user_name="Dana Whitfield",
    )  # fmt: skip
    finished: asyncio.Future[CallRecord] = asyncio.get_running_loop().create_future()

    async def run(transport: FastAPIWebsocketTransport) -> None:
        finished.set_result(await run_call(transport, ctx, deps, audio_out_sample_rate=16000))

    turns: list[Turn] = []
    async with serve(pcm_call_app(run, out_rate=16000)) as base, dial(base, out_rate=16000) as caller:
        await caller.bot_reply(after=0.0, quiet_secs=0.8)
        for number in range(TURNS):
            late_before = _fake_lateness(stt, tts)
            spoken_until = await caller.say(PHRASES[number % len(PHRASES)])
            await caller.bot_reply(after=spoken_until, quiet_secs=0.8)
            first_audio = caller.heard.first_audio_after(spoken_until)
            if first_audio is not None:
                turns.append(Turn(spoken_until, first_audio, _fake_lateness(stt, tts) - late_before))
        await caller.hang_up()
    return turns, await finished


@dataclass(frozen=True)
class FixedLatencyWorld:
    """Hard-E's pipeline on a fresh Redis, with the fixed-latency fakes behind it."""

    deps: PipelineDeps
    stt: FakeDeepgram
    tts: FakeCartesia


@contextlib.asynccontextmanager
async def fixed_latency_world() -> AsyncIterator[FixedLatencyWorld]:
    """The world both voice benchmarks measure in (``voice_latency`` and ``browser_latency``)."""
    llm = FakeAnthropic(first_token_delay=LLM_FIRST_TOKEN_SECS)
    llm.script(always("Sure, one moment."))
    stt = FakeDeepgram(final_delay=STT_FINAL_SECS)
    tts = FakeCartesia(first_audio_delay=TTS_FIRST_AUDIO_SECS)
    with tempfile.TemporaryDirectory() as scratch:
        server = EmbeddedRedis(Path(scratch))
        server.start()
        try:
            async with serve(llm.app) as llm_url, serve(stt.app) as stt_url, serve(tts.app) as tts_url:
                deps = await _deps(server.url, llm_url, stt_url, tts_url, Path(scratch) / "blobs")
                try:
                    yield FixedLatencyWorld(deps, stt, tts)
                finally:
                    await deps.brain.aclose()
        finally:
            server.stop()


async def _measure() -> Figures:
    """Measure the phone path's turns; prints the report and returns its figures."""
    load_whisper()
    epoch_offset = time.time() - time.monotonic()
    for phrase in PHRASES:
        speech_pcm16(phrase)
    async with fixed_latency_world() as world:
        turns, record = await _call(world.deps, world.stt, world.tts)
    return _report(turns, record.latency, epoch_offset)


def _row(label: str, values: list[float], note: str = "") -> str:
    return (
        f"  {label:26}{percentile(values, 0.5) * 1000:7.0f} ms{percentile(values, 0.95) * 1000:7.0f} ms{note}"
    )


@dataclass(frozen=True)
class TurnSplit:
    """One answered turn on one clock (epoch seconds), split at Silero's verdict: what the caller
    timed, and what Hard-E's breakdown (``pipeline.TurnLatency``) says of the same turn. The phone
    benchmark splits its turns the same way."""

    spoken_until: float  # the caller's last spoken frame left the caller
    total: float  # voice-to-voice at the caller
    silent_at: float  # when Pipecat reckons the caller fell silent (its verdict minus the stop time)
    server_total: float  # from ``silent_at`` to the bot starting to speak

    @property
    def vad_wait(self) -> float:
        """From the caller's last word to Silero's verdict: the silence it needed, and any delay
        in the audio reaching it."""
        return self.silent_at + VAD_STOP_SECS - self.spoken_until

    @property
    def after_verdict(self) -> float:
        """Hard-E from Silero's verdict to the bot starting to speak."""
        return self.server_total - VAD_STOP_SECS

    @property
    def delivery(self) -> float:
        """From the bot starting to speak to its audio reaching the caller."""
        return self.total - self.vad_wait - self.after_verdict


def _split(caller: Turn, server: TurnLatency, epoch_offset: float) -> TurnSplit:
    assert server.silent_at is not None, "a turn measured from the caller's silence"
    return TurnSplit(caller.spoken_until + epoch_offset, caller.total, server.silent_at, server.total_secs)


def _pairs(
    measured: list[Turn], latency: list[TurnLatency], epoch_offset: float
) -> list[tuple[Turn, TurnLatency]]:
    """Each caller-side turn with Hard-E's breakdown of it: the one whose VAD verdict falls
    between the caller's last word and the answer (by time, so a turn Hard-E did not break down,
    or a breakdown of something else, cannot shift every pairing after it)."""
    server = [turn for turn in latency if turn.measured_from == "user_silence" and turn.silent_at is not None]
    pairs = []
    for caller in measured:
        spoken = caller.spoken_until + epoch_offset
        answered = caller.answered_at + epoch_offset
        inside = next(
            (
                turn
                for turn in server
                if turn.silent_at is not None and spoken - 0.1 < turn.silent_at + VAD_STOP_SECS < answered
            ),
            None,
        )
        if inside is not None:
            pairs.append((caller, inside))
    return pairs


@dataclass(frozen=True)
class Figures:
    """Per turn: the platform overhead, and voice-to-voice less the fakes' overrun (what the
    caller lived, with no part of it attributed to anything)."""

    overheads: list[float]
    felt: list[float]


def _report(
    measured: list[Turn],
    latency: list[TurnLatency],
    epoch_offset: float,
    heard_until: Callable[[Turn], float | None] | None = None,
) -> Figures:
    """Print the split of ``measured`` (caller-side) against Hard-E's ``latency`` breakdowns of the
    same turns; returns the figures of those that could be paired.

    ``heard_until``, when given, says when the caller's last loud audio of a turn reached the
    pipeline; the time it took to get there (nothing worth counting on a PCM websocket, an Opus
    packet's framing and transit for a browser) is then counted as platform overhead, and the
    turn wait is only the silence Silero needed after hearing it."""
    pairs = _pairs(measured, latency, epoch_offset)
    if not pairs:
        print(f"measured {len(measured)} caller-side turns but could pair none with a breakdown")
        return Figures([], [])
    if len(pairs) < len(measured):
        print(f"({len(measured) - len(pairs)} of {len(measured)} turns had no breakdown; left out)")
    measured = [caller for caller, _inside in pairs]
    server = [inside for _caller, inside in pairs]
    turns = [_split(caller, inside, epoch_offset) for caller, inside in pairs]
    timeout = speech_timeout_secs(VOICE)
    arrived = [0.0 for _ in turns]
    if heard_until is not None:
        for index, caller in enumerate(measured):
            heard = heard_until(caller)
            arrived[index] = heard - caller.spoken_until if heard is not None else 0.0
    waits = [turn.vad_wait - late + timeout for turn, late in zip(turns, arrived, strict=True)]
    late = [caller.fake_late for caller in measured]
    overheads = [
        turn.total - wait - PROVIDERS_SECS - fake_late
        for turn, wait, fake_late in zip(turns, waits, late, strict=True)
    ]
    delivery = [turn.delivery for turn in turns]
    print(
        f"{len(turns)} turns; fixed providers: STT final {STT_FINAL_SECS * 1000:.0f} ms after "
        f"finalize, LLM first token {LLM_FIRST_TOKEN_SECS * 1000:.0f} ms, "
        f"TTS first audio {TTS_FIRST_AUDIO_SECS * 1000:.0f} ms"
    )
    print(f"  {'':26}{'p50':>10}{'p95':>10}")
    print(_row("voice-to-voice total", [turn.total for turn in turns]))
    configured = f"   (tenant's turn stop {VOICE.turn_stop_secs * 1000:.0f} ms; VAD stop"
    configured += f" {VAD_STOP_SECS * 1000:.0f} + speech timeout {timeout * 1000:.0f} ms)"
    print(_row("turn wait", waits, configured))
    print(_row("fakes over their latency", late, "   (not Hard-E)"))
    verdict = "OK" if percentile(overheads, 0.95) < TARGET_OVERHEAD_P95_SECS else "OVER TARGET"
    target = f"   target p95 < {TARGET_OVERHEAD_P95_SECS * 1000:.0f} ms: {verdict}"
    print(_row("platform overhead", overheads, target))
    if heard_until is not None:
        print(_row("  caller's audio arriving", arrived, "   (its last loud frame, to the pipeline)"))
    server_share = [
        overhead - sent - came for overhead, sent, came in zip(overheads, delivery, arrived, strict=True)
    ]
    print(_row("  in the server", server_share, "   (VAD verdict to bot speaking, less providers)"))
    print(_row("  delivery to the caller", delivery))
    stages: dict[str, list[float]] = defaultdict(list)
    for turn in server:
        for stage in turn.stages:
            stages[stage.label].append(stage.seconds)
    print("per-stage breakdown (server side, Pipecat's UserBotLatencyObserver):")
    for label, values in stages.items():
        print(_row(label, values, f"   (in {len(values)} of {len(server)} turns)"))
    print(_row("server-side total", [turn.total_secs for turn in server]))
    return Figures(overheads, [caller.total - caller.fake_late for caller in measured])


def main() -> None:
    asyncio.run(_measure())


if __name__ == "__main__":
    main()
