"""Browser calls: voice-to-voice through WebRTC against the phone path, and CPU per browser session.

Part 1, latency. The ``voice_latency`` benchmark's call is placed twice with the same fixed-latency
fakes (STT final 150 ms after Finalize, LLM first token 500 ms, TTS first audio 90 ms) and the same
questions: once over its PCM websocket (the phone path's stand-in), once as a browser call through
the webrtc door (``POST /start``, SDP offer and answer, ICE on loopback) from an aiortc peer that
speaks Piper clips as Opus and decodes the bot's Opus, as a browser does. Each is split as
``voice_latency`` splits it; the browser's platform overhead is compared with the phone path's.
Target: p95 within 20 ms of the phone path.

What is measured where, so that the figure is what a person would feel and no more:
- the browser runs in its own process (``bench._browsers``), as a real one would, not on Hard-E's
  event loop;
- the answer is timed when its first loud packet reaches the browser, before any playout buffer.
  aiortc's receiver holds every packet for a fixed 80 ms (four packets of prefetch) before it
  decodes it: that is the stand-in's, not a browser's (Chrome's NetEq adapts its delay to the
  network's jitter, a few tens of ms on a clean link), so the peer decodes packets on arrival.
  The phone path stops at the same point (audio arriving at the caller; Twilio's and the phone's
  own buffers are not in it either);
- the caller's side counts too: the time the browser's last loud frame takes to reach the
  pipeline (Opus packetisation, transit, decoding; read at the call's decoded microphone track)
  is platform overhead, not turn wait; the turn wait is only the silence Silero needed after
  hearing it, as on the phone path.

Part 2, CPU per session. Hard-E runs as its own process (``python -m harde serve``, as deployed;
its providers are the fakes in this process, the STT fake answering with a fixed transcript so it
costs little), and 1, then 10, aiortc browsers call it at once, each asking a few questions. The
browsers run in worker processes, a few each, so the harness is not the bottleneck; Hard-E's CPU
(from /proc) is reported per session-minute and as cores busy, beside the browsers' processes and
this one (the fakes). The 10 sessions' voice-to-voice p95 is compared with one session's. Target:
within 150 ms.

Run: ``python -m bench browser_latency``. The machine's load matters (2 shared cores): note
``uptime`` beside the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import httpx
import numpy as np
import numpy.typing as npt
from av import AudioFrame
from av.frame import Frame
from av.packet import Packet
from fastapi import FastAPI

import webrtc
from bench._browsers import Browsers
from bench.phone_concurrency.procfs import cpu_seconds
from bench.phone_concurrency.server import hard_e
from bench.phone_concurrency.world import PHRASE, serve_fakes, server_env
from bench.voice_latency import (
    PHRASES,
    TURNS,
    Figures,
    Turn,
    _fake_lateness,
    _measure,
    _report,
    fixed_latency_world,
    percentile,
)
from core.redis import EmbeddedRedis, Redis, client_for
from core.secretbox import SecretBox, new_key_spec, parse_keys
from pipeline import CallSessions, PipelineDeps, TurnLatency
from tenants import DEMO_TENANT_ID, Role, TenantStore, TurnStrategy, VoiceSettings
from tenants.widget_tokens import WidgetTokens
from testkit.fakes.cartesia import FakeCartesia
from testkit.fakes.deepgram import FakeDeepgram, load_whisper
from testkit.servers import serve
from testkit.speech import speech_pcm16
from testkit.webrtc_caller import MIC_RATE, SPEECH_RMS
from webrtc import WebRTCDeps
from webrtc.calls import BrowserCall

TARGET_VS_PHONE_SECS = 0.020
TARGET_TEN_VS_ONE_SECS = 0.150
SESSION_COUNTS = (1, 10)
TURNS_PER_SESSION = 3
QUIET_SECS = 0.8
PEERS_PER_WORKER = 4
Media: TypeAlias = "Frame | Packet[Any]"  # what aiortc's tracks return


class HeardAtServer:
    """When the browser's loud audio reached the pipeline: the call's decoded microphone track,
    as Pipecat's SmallWebRTC input reads it, timestamped (bench instrumentation of one call)."""

    def __init__(self) -> None:
        self.loud: list[float] = []

    def watch(self, call: BrowserCall) -> None:
        for transceiver in call.connection.pc.getTransceivers():
            track = transceiver.receiver.track
            if transceiver.kind == "audio" and track is not None:
                track.recv = self._timed(track.recv)  # type: ignore[method-assign]

    def _timed(self, read: Callable[[], Awaitable[Media]]) -> Callable[[], Coroutine[Any, Any, Media]]:
        async def recv() -> Media:
            frame = await read()
            if isinstance(frame, AudioFrame) and _loud(frame.to_ndarray()):
                self.loud.append(time.monotonic())
            return frame

        return recv

    def last_before(self, turn: Turn) -> float | None:
        return next((at for at in reversed(self.loud) if at < turn.answered_at), None)


def _loud(samples: npt.NDArray[Any]) -> bool:
    values = samples.astype(np.float64)
    return bool(values.size) and float(np.sqrt(np.mean(values * values))) > SPEECH_RMS


# --- part 1: the browser path against the phone path -----------------------------------------------


async def _browser_call(
    deps: PipelineDeps, secret_keys: str, stt: FakeDeepgram, tts: FakeCartesia
) -> tuple[list[Turn], list[TurnLatency], HeardAtServer]:
    redis = deps.brain.redis
    tokens = WidgetTokens(SecretBox(parse_keys([secret_keys])), redis, deps.tenants)
    door = WebRTCDeps.build(
        settings=deps.settings, redis=redis, tenants=deps.tenants, usage=deps.usage,
        widget_tokens=tokens, pipeline=deps,
    )  # fmt: skip
    app = FastAPI()
    app.include_router(webrtc.router)
    app.state.webrtc = door
    tenant = await deps.tenants.get_tenant("bench")
    token, _claims = tokens.issue(tenant, role=Role.OWNER, user_id="u_dana")
    heard = HeardAtServer()
    turns: list[Turn] = []
    try:
        async with serve(app) as base, Browsers(1) as browsers:
            browser = await browsers.call(base, token)
            call = door.calls.get(browser.session_id)
            assert call is not None
            heard.watch(call)
            await browser.greeting(QUIET_SECS)
            for number in range(TURNS):
                late_before = _fake_lateness(stt, tts)
                spoken = await browser.ask(PHRASES[number % len(PHRASES)], QUIET_SECS)
                if spoken.answered_at is not None:
                    late = _fake_lateness(stt, tts) - late_before
                    turns.append(Turn(spoken.spoken_until, spoken.answered_at, late))
            await browser.hang_up()
            await _ended(door, browser.session_id)
    finally:
        await door.calls.aclose()
    record = await CallSessions(redis).get("bench", browser.session_id)
    latency = [TurnLatency.from_json(turn) for turn in record.latency] if record else []
    return turns, latency, heard


async def _ended(door: WebRTCDeps, session_id: str) -> None:
    """Wait (bounded) for the call to be wrapped up, so its latency record is complete."""
    call = door.calls.get(session_id)
    if call is not None:
        await asyncio.wait_for(call.wait(), 30)


async def _browser_latency() -> Figures:
    for phrase in PHRASES:
        speech_pcm16(phrase, MIC_RATE)  # the browsers' clips, made (or found) once, here
    epoch_offset = time.time() - time.monotonic()
    async with fixed_latency_world() as world:
        turns, latency, heard = await _browser_call(world.deps, new_key_spec("k1"), world.stt, world.tts)
    return _report(turns, latency, epoch_offset, heard_until=heard.last_before)


# --- part 2: CPU per browser session -----------------------------------------------------------


async def _session(browsers: Browsers, base: str, token: str, sessions: list[str]) -> list[Turn]:
    browser = await browsers.call(base, token)
    sessions.append(browser.session_id)
    turns: list[Turn] = []
    try:
        await browser.greeting(QUIET_SECS)
        for _ in range(TURNS_PER_SESSION):
            spoken = await browser.ask(PHRASE, QUIET_SECS)
            if spoken.answered_at is not None:
                turns.append(Turn(spoken.spoken_until, spoken.answered_at, 0.0))
    finally:
        await browser.hang_up()
    return turns


async def _sessions(
    count: int, base: str, tokens: list[str], browsers: Browsers, sessions: list[str] | None = None
) -> list[Turn]:
    held = [] if sessions is None else sessions
    results = await asyncio.gather(*(_session(browsers, base, token, held) for token in tokens[:count]))
    return [turn for turns in results for turn in turns]


async def _stages(db: Redis, sessions: list[str]) -> dict[str, list[float]]:
    """Hard-E's own breakdown of the round's turns, stage by stage (what grows with load)."""
    stages: dict[str, list[float]] = defaultdict(list)
    for session_id in sessions:
        record = await CallSessions(db).get(DEMO_TENANT_ID, session_id)
        for raw in record.latency if record else []:
            turn = TurnLatency.from_json(raw)
            if turn.measured_from != "user_silence":
                continue
            for stage in turn.stages:
                stages[stage.label].append(stage.seconds)
            stages["server-side total"].append(turn.total_secs)
    return stages


@dataclass(frozen=True)
class Round:
    sessions: int
    turns: list[Turn]
    wall: float
    hard_e_cpu: float
    browsers_cpu: float
    bench_cpu: float
    stages: dict[str, list[float]]


async def _cpu_rounds() -> None:
    secret_keys = new_key_spec("bench")
    speech_pcm16(PHRASE, MIC_RATE)
    workers = -(-max(SESSION_COUNTS) // PEERS_PER_WORKER)
    with tempfile.TemporaryDirectory(prefix="harde-browsers-") as scratch:
        workdir = Path(scratch)
        redis = EmbeddedRedis(workdir / "redis")
        redis.start()
        try:
            async with (
                serve_fakes() as fakes,
                httpx.AsyncClient(timeout=30) as http,
                client_for(redis.url) as db,
                Browsers(workers) as browsers,
            ):
                env = server_env(fakes, redis.url, secret_keys, workdir / "var")
                # Room for a round's calls while the last round's are still wrapping up.
                env["HARDE_WEBRTC_SESSIONS_PER_TENANT"] = str(2 * max(SESSION_COUNTS))
                async with hard_e(env, 1, workdir, http) as server:
                    tenants = TenantStore(db, SecretBox(parse_keys([secret_keys])))
                    await tenants.update_tenant(
                        DEMO_TENANT_ID,
                        voice=VoiceSettings(turn_strategy=TurnStrategy.SPEECH_TIMEOUT, turn_stop_secs=0.2),
                    )
                    widget = WidgetTokens(SecretBox(parse_keys([secret_keys])), db, tenants)
                    demo = await tenants.get_tenant(DEMO_TENANT_ID)
                    tokens = [widget.issue(demo, role=Role.OWNER)[0] for _ in range(max(SESSION_COUNTS))]
                    await _sessions(1, server.base_url, tokens, browsers)  # warm-up: models, caches, clips
                    rounds = []
                    for count in SESSION_COUNTS:
                        pids = server.processes()
                        harness = [browsers.pids, [os.getpid()]]
                        before = [cpu_seconds(pids), *(cpu_seconds(group) for group in harness)]
                        started = time.monotonic()
                        sessions: list[str] = []
                        turns = await _sessions(count, server.base_url, tokens, browsers, sessions)
                        wall = time.monotonic() - started
                        hard_e_cpu = cpu_seconds(server.processes())
                        after = [hard_e_cpu, *(cpu_seconds(group) for group in harness)]
                        used = [end - begin for begin, end in zip(before, after, strict=True)]
                        hard_e_used, browsers_used, bench_used = used
                        stages = await _stages(db, sessions)
                        rounds.append(
                            Round(count, turns, wall, hard_e_used, browsers_used, bench_used, stages)
                        )
        finally:
            redis.stop()
    _print_rounds(rounds, workers)


def _print_rounds(rounds: list[Round], workers: int) -> None:
    print(f"CPU per browser session ({TURNS_PER_SESSION} questions a session; cores busy while it ran):")
    print(
        f"  {'sessions':>8}{'v2v p50':>10}{'v2v p95':>10}{'Hard-E s/session-min':>22}{'Hard-E cores':>14}"
        f"{'browsers cores':>16}{'bench cores':>13}"
    )
    baseline = None
    for row in rounds:
        totals = [turn.total for turn in row.turns]
        if not totals:
            print(f"  {row.sessions:>8}  no turn was answered")
            continue
        p50, p95 = percentile(totals, 0.5), percentile(totals, 0.95)
        baseline = p95 if baseline is None else baseline
        per_minute = row.hard_e_cpu / (row.sessions * row.wall / 60)
        note = ""
        if row.sessions != SESSION_COUNTS[0]:
            verdict = "OK" if p95 - baseline <= TARGET_TEN_VS_ONE_SECS else "OVER TARGET"
            target = f"target < {TARGET_TEN_VS_ONE_SECS * 1000:.0f} ms"
            note = f"   p95 {(p95 - baseline) * 1000:+.0f} ms vs one ({target}): {verdict}"
        hard_e = f"{per_minute:>22.2f}{row.hard_e_cpu / row.wall:>14.2f}"
        figures = f"{p50 * 1000:>8.0f} ms{p95 * 1000:>7.0f} ms{hard_e}"
        harness = f"{row.browsers_cpu / row.wall:>16.2f}{row.bench_cpu / row.wall:>13.2f}"
        print(f"  {row.sessions:>8}{figures}{harness}{note}")
    print(
        f"  (browsers: {workers} worker processes of up to {PEERS_PER_WORKER} aiortc peers; bench: this "
        "process, the provider fakes and the driver; load on the machine: see `uptime`)"
    )
    print("where the time went, by sessions (Hard-E's breakdown; p50 / p95 ms):")
    labels = list(dict.fromkeys(label for row in rounds for label in row.stages))
    print(f"  {'':24}" + "".join(f"{row.sessions:>16}" for row in rounds))
    for label in labels:
        cells = []
        for row in rounds:
            values = row.stages.get(label, [])
            cell = (
                f"{percentile(values, 0.5) * 1000:.0f} / {percentile(values, 0.95) * 1000:.0f}"
                if values
                else "-"
            )
            cells.append(f"{cell:>16}")
        print(f"  {label:24}" + "".join(cells))


async def _run() -> None:
    load_whisper()
    print("-- the phone path (voice_latency's PCM websocket call)")
    phone = await _measure()
    print("-- the browser path (WebRTC through the webrtc door, Opus both ways)")
    browser = await _browser_latency()
    if phone.overheads and browser.overheads:
        gap = percentile(browser.overheads, 0.95) - percentile(phone.overheads, 0.95)
        verdict = "OK" if gap <= TARGET_VS_PHONE_SECS else "OVER TARGET"
        print(
            f"platform overhead p95: browser {percentile(browser.overheads, 0.95) * 1000:.0f} ms, phone "
            f"{percentile(phone.overheads, 0.95) * 1000:.0f} ms, gap {gap * 1000:+.0f} ms "
            f"(target within {TARGET_VS_PHONE_SECS * 1000:.0f} ms): {verdict}"
        )
        for share, name in ((0.5, "p50"), (0.95, "p95")):
            browser_felt, phone_felt = percentile(browser.felt, share), percentile(phone.felt, share)
            print(
                f"voice-to-voice less the fakes' overrun, {name}: browser {browser_felt * 1000:.0f} ms, "
                f"phone {phone_felt * 1000:.0f} ms, gap {(browser_felt - phone_felt) * 1000:+.0f} ms "
                "(nothing attributed; the fakes' overrun is only approximately theirs)"
            )
    await _cpu_rounds()


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run())


if __name__ == "__main__":
    main()
