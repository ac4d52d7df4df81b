"""Browser calls: voice-to-voice through WebRTC against the phone path, and CPU per browser session.

Part 1, latency. The ``voice_latency`` benchmark's call is placed twice with the same fixed-latency
fakes (STT final 150 ms after Finalize, LLM first token 500 ms, TTS first audio 90 ms) and the same
questions: once over its PCM websocket (the phone path's stand-in), once as a browser call through
the webrtc door (``POST /start``, SDP offer and answer, ICE on loopback) from an aiortc peer that
speaks Piper clips as Opus and decodes the bot's Opus, as a browser does. Each is split as
``voice_latency`` splits it; the browser's platform overhead is compared with the phone path's.
Target: p95 within 20 ms of the phone path.

Part 2, CPU per session. Hard-E runs as its own process (``python -m harde serve``, as deployed;
its providers are the fakes in this process, the STT fake answering with a fixed transcript so it
costs little), and 1, then 10, aiortc browsers call it at once, each asking a few questions. What
Opus adds is Hard-E's: its CPU seconds (from /proc) per session-minute, and the cores busy while
every session is live. The browsers' own Opus work is this process's and not counted. The 10
sessions' voice-to-voice p95 is compared with one session's. Target: within 150 ms.

Run: ``python -m bench browser_latency``.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

import webrtc
from bench.phone_concurrency.procfs import cpu_seconds
from bench.phone_concurrency.server import hard_e
from bench.phone_concurrency.world import PHRASE, serve_fakes, server_env
from bench.voice_latency import (
    LLM_FIRST_TOKEN_SECS,
    PHRASES,
    STT_FINAL_SECS,
    TTS_FIRST_AUDIO_SECS,
    TURNS,
    Turn,
    _deps,
    _fake_lateness,
    _measure,
    _report,
    percentile,
)
from core.redis import EmbeddedRedis, client_for
from core.secretbox import SecretBox, new_key_spec, parse_keys
from pipeline import CallSessions, PipelineDeps, TurnLatency
from tenants import DEMO_TENANT_ID, Role, TenantStore, TurnStrategy, UsageMeter, VoiceSettings
from tenants.widget_tokens import WidgetTokens
from testkit.fakes.anthropic import FakeAnthropic, always
from testkit.fakes.cartesia import FakeCartesia
from testkit.fakes.deepgram import FakeDeepgram, load_whisper
from testkit.servers import serve
from testkit.speech import speech_pcm16
from testkit.webrtc_caller import BrowserPeer, browser_call
from webrtc import WebRTCDeps

TARGET_VS_PHONE_SECS = 0.020
TARGET_TEN_VS_ONE_SECS = 0.150
SESSION_COUNTS = (1, 10)
TURNS_PER_SESSION = 3
QUIET_SECS = 0.8


async def _turns(
    peer: BrowserPeer, count: int, phrases: tuple[str, ...], late: Callable[[], float]
) -> list[Turn]:
    """``count`` questions and answers; each timed from the last spoken frame to the first loud
    audio of the answer, both at the browser."""
    turns: list[Turn] = []
    await peer.reply(after=0.0, quiet_secs=QUIET_SECS)  # the greeting
    for number in range(count):
        late_before = late()
        spoken_until = await peer.say(phrases[number % len(phrases)])
        await peer.reply(after=spoken_until, quiet_secs=QUIET_SECS)
        answered = peer.heard.speech_after(spoken_until)
        if answered is not None:
            turns.append(Turn(spoken_until, answered, late() - late_before))
    return turns


# --- part 1: the browser path against the phone path -----------------------------------------------


async def _browser_call(
    deps: PipelineDeps, secret_keys: str, stt: FakeDeepgram, tts: FakeCartesia
) -> tuple[list[Turn], list[TurnLatency]]:
    redis = deps.brain.redis
    tokens = WidgetTokens(SecretBox(parse_keys([secret_keys])), redis, deps.brain.tenants)
    door = WebRTCDeps.build(
        settings=deps.settings, redis=redis, tenants=deps.brain.tenants, usage=UsageMeter(redis),
        widget_tokens=tokens, pipeline=deps,
    )  # fmt: skip
    app = FastAPI()
    app.include_router(webrtc.router)
    app.state.webrtc = door
    tenant = await deps.brain.tenants.get_tenant("bench")
    token, _claims = tokens.issue(tenant, role=Role.OWNER, user_id="u_dana")
    try:
        async with serve(app) as base, httpx.AsyncClient(timeout=30) as http:
            async with browser_call(http, base, token) as peer:
                turns = await _turns(peer, TURNS, PHRASES, lambda: _fake_lateness(stt, tts))
                session_id = peer.session_id
            await _ended(door, session_id)
    finally:
        await door.calls.aclose()
    record = await CallSessions(redis).get("bench", session_id)
    latency = [TurnLatency.from_json(turn) for turn in record.latency] if record else []
    return turns, latency


async def _ended(door: WebRTCDeps, session_id: str) -> None:
    """Wait (bounded) for the call to be wrapped up, so its latency record is complete."""
    call = door.calls.get(session_id)
    if call is not None:
        await asyncio.wait_for(call.wait(), 30)


async def _browser_latency() -> list[float]:
    epoch_offset = time.time() - time.monotonic()
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
                turns, latency = await _browser_call(deps, new_key_spec("k1"), stt, tts)
                await deps.brain.aclose()
        finally:
            server.stop()
    return _report(turns, latency, epoch_offset)


# --- part 2: CPU per browser session -----------------------------------------------------------


async def _sessions(count: int, base: str, tokens: list[str], http: httpx.AsyncClient) -> list[Turn]:
    async def one(token: str) -> list[Turn]:
        async with browser_call(http, base, token) as peer:
            return await _turns(peer, TURNS_PER_SESSION, (PHRASE,), lambda: 0.0)

    results = await asyncio.gather(*(one(token) for token in tokens[:count]))
    return [turn for turns in results for turn in turns]


async def _cpu_rounds() -> None:
    secret_keys = new_key_spec("bench")
    speech_pcm16(PHRASE)
    with tempfile.TemporaryDirectory(prefix="harde-browsers-") as scratch:
        workdir = Path(scratch)
        redis = EmbeddedRedis(workdir / "redis")
        redis.start()
        try:
            async with (
                serve_fakes() as fakes,
                httpx.AsyncClient(timeout=30) as http,
                client_for(redis.url) as db,
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
                    await _sessions(1, server.base_url, tokens, http)  # warm-up: models, caches, clips
                    rows = []
                    for count in SESSION_COUNTS:
                        pids = server.processes()
                        cpu_before, started = cpu_seconds(pids), time.monotonic()
                        turns = await _sessions(count, server.base_url, tokens, http)
                        wall = time.monotonic() - started
                        cpu = cpu_seconds(server.processes()) - cpu_before
                        rows.append((count, turns, cpu, wall))
        finally:
            redis.stop()
    print(f"CPU per browser session (Hard-E's process; {TURNS_PER_SESSION} questions a session):")
    print(f"  {'sessions':>8}{'v2v p50':>10}{'v2v p95':>10}{'CPU s/session-min':>19}{'cores busy':>12}")
    baseline = None
    for count, turns, cpu, wall in rows:
        totals = [turn.total for turn in turns]
        p50, p95 = percentile(totals, 0.5), percentile(totals, 0.95)
        baseline = p95 if baseline is None else baseline
        per_minute = cpu / (count * wall / 60)
        note = ""
        if count != SESSION_COUNTS[0]:
            verdict = "OK" if p95 - baseline <= TARGET_TEN_VS_ONE_SECS else "OVER TARGET"
            target = f"target < {TARGET_TEN_VS_ONE_SECS * 1000:.0f} ms"
            note = f"   p95 {(p95 - baseline) * 1000:+.0f} ms vs one ({target}): {verdict}"
        figures = f"{p50 * 1000:>8.0f} ms{p95 * 1000:>7.0f} ms{per_minute:>19.2f}{cpu / wall:>12.2f}"
        print(f"  {count:>8}{figures}{note}")


async def _run() -> None:
    load_whisper()
    print("-- the phone path (voice_latency's PCM websocket call)")
    phone = await _measure()
    print("-- the browser path (WebRTC through the webrtc door, Opus both ways)")
    browser = await _browser_latency()
    if phone and browser:
        gap = percentile(browser, 0.95) - percentile(phone, 0.95)
        verdict = "OK" if gap <= TARGET_VS_PHONE_SECS else "OVER TARGET"
        print(
            f"platform overhead p95: browser {percentile(browser, 0.95) * 1000:.0f} ms, phone "
            f"{percentile(phone, 0.95) * 1000:.0f} ms, gap {gap * 1000:+.0f} ms "
            f"(target within {TARGET_VS_PHONE_SECS * 1000:.0f} ms): {verdict}"
        )
    await _cpu_rounds()


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run())


if __name__ == "__main__":
    main()
