"""Many phone calls at once: does Hard-E keep its voice-to-voice latency when the line is busy?

N simulated Twilio callers (``testkit/fakes/twilio_caller.py``) ring Hard-E together. Each signs and
posts the voice webhook, opens the media stream, speaks real 8 kHz mu-law speech in real time with
silence on the line between its turns, as a phone keeps sending, and plays the bot's audio through
Twilio-like playout. Hard-E runs as its own process tree, ``python -m harde serve [--workers W]``,
as deployed, with its providers pointed at wire-level fakes in this process. The fakes have fixed
latencies (STT final 150 ms after Finalize, LLM first token 500 ms, TTS first audio 90 ms), so what
grows with N is Hard-E, and its CPU time and resident memory can be read from /proc.

For each round of N calls (one call first, as the baseline, then 10, 25 and 50 by default):

- voice-to-voice p50 / p95 over every turn of every call: from the caller's last spoken frame to
  the first audible frame it plays back (``SimulatedCaller.wait_for_reply``). Target: at 25 calls,
  p95 within 150 ms of the single call's p95. The figure includes the caller's 20 ms playout tick
  and the silence the fake voice's clips open with, so compare it with the baseline here rather
  than with the ``voice_latency`` benchmark's. A caller speaks again only once the bot's last
  utterance has arrived in full (its size is learnt from warm-up calls) and played out; one that
  does not arrive in full within 30 s counts as missed and ends that call.
- outbound gap p99: the time between consecutive media messages of one bot utterance as they reach
  the caller, i.e. how steadily Hard-E paces its audio. Pipecat sends 40 ms of audio every 20 ms,
  so a caller hears a gap only once it outlasts the audio its playout buffer has banked.
- where the time went: p95 of each stage of Hard-E's own latency breakdown of those turns (read
  from the session records), of its total, and of what the caller timed on top of it (Silero
  hearing the end of speech, both transports, the caller's playout tick), so growth can be placed.
- Hard-E's CPU: seconds per call-minute over the whole round (call set-up and wrap-up included),
  and cores busy while all N calls were live. Resident memory: the rise over the idle, warmed-up
  server while all N calls were live (median of the samples), and that rise per call. With
  several workers these are summed over the processes (RSS then counts shared pages once each).
- the harness: how far the fakes overran their fixed latencies, how late this process's event loop
  woke up (p99 and worst), the cores it used, and how busy the whole machine was (other work
  included). When those grow, part of the latency is the harness's or the machine's, not
  Hard-E's. This process does no garbage collection while calls are measured: one full
  collection of its heap stalls every caller and fake at once for ~190 ms.

Each round gets a fresh server, so its memory figures do not start from the last round's high-water
mark, warmed by unmeasured calls. The STT fake runs in known-transcript mode (no Whisper) and the
reply is one fixed sentence, so the TTS fake serves cached clips: the fakes cost little.

Run: ``python -m bench phone_concurrency``, or with options
``python -m bench.phone_concurrency --calls 10,25,50 --turns 3 --baseline-turns 10 --workers 1
--turn-strategy speech_timeout``.
``--turns-log FILE`` also writes every answered turn as a JSON line (which call, which question,
when it ended, and its split), to find out what the slowest turns have in common.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

import httpx
import websockets

from bench.voice_latency import (
    LLM_FIRST_TOKEN_SECS,
    STT_FINAL_SECS,
    TTS_FIRST_AUDIO_SECS,
    TurnSplit,
    percentile,
)
from core import claude_models
from core.redis import EmbeddedRedis, Redis, client_for
from core.secretbox import SecretBox, new_key_spec, parse_keys
from pipeline import CallSessions, TurnLatency
from telephony.calls import get_call
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
from testkit.fakes.twilio_caller import SimulatedCaller
from testkit.fakes.twilio_rest import FakeTwilioRest
from testkit.servers import free_port, serve
from testkit.speech import speech_mulaw8k

TENANT_ID = "bench-phones"
LINE = "+15125550000"
MODEL = claude_models.VOICE_MODEL
PHRASE = "What is on my schedule today"
REPLY = "Sure, you have two roof inspections this afternoon."  # one sentence: one cached clip
DEFAULT_CALLS = (10, 25, 50)
TARGET_CALLS = 25
TARGET_P95_RISE_SECS = 0.150

STAGGER_SECS = 0.05  # between call starts, so N webhooks do not land in the same millisecond
REPLY_TIMEOUT_SECS = 30.0
QUIET_SECS = 1.0  # silence after which a bot utterance counts as finished
SAMPLE_SECS = 0.25  # how often Hard-E's CPU and memory are read
LOOP_TICK_SECS = 0.02
READY_TIMEOUT_SECS = 60.0
STOP_TIMEOUT_SECS = 15.0
WRAP_UP_LIMIT_SECS = 30.0  # for ended calls to finish their wrap-up (transcript, memory)
WARM_UP_CALLS_PER_WORKER = 2  # uvicorn's workers share one socket: this usually reaches them all
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024


# --- what /proc says -----------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat from field 3 on (the command name may contain spaces and parentheses)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def _process_tree(root: int) -> list[int]:
    """``root`` and its descendants (uvicorn's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # processes come and go while we look
                children.setdefault(int(_stat_fields(int(entry.name))[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def _cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU time so far of these processes (all their threads)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = _stat_fields(pid)
            total += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15
    return total / CLOCK_TICKS


def _rss_bytes(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def _machine_busy_seconds() -> float:
    """CPU seconds all of this machine's cores have been busy since boot, whatever ran."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS  # all but idle and iowait


# --- Hard-E in its own processes -----------------------------------------------------------------


class HardEServer:
    """``python -m harde serve`` as a child process (with its workers, if any)."""

    def __init__(self, env: dict[str, str], port: int, workers: int, workdir: Path) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = workdir / "server.log"
        command = [sys.executable, "-m", "harde", "serve", "--port", str(port), "--workers", str(workers)]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                command, env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def processes(self) -> list[int]:
        return _process_tree(self._process.pid)

    async def wait_until_ready(self, http: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"Hard-E exited with code {self._process.returncode} while starting; see {self.log_path}"
                )
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{self.base_url}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"Hard-E was not ready within {READY_TIMEOUT_SECS:.0f} s; see {self.log_path}")

    async def stop(self) -> None:
        """Ask uvicorn to shut down as Ctrl-C would, without blocking this loop: a call still
        wrapping up may be waiting on the fakes it serves."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(self._process.wait, STOP_TIMEOUT_SECS)

    def kill(self) -> None:
        """The last resort, for the whole tree; a no-op once the server has exited."""
        if self._process.poll() is None:
            for pid in self.processes():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self._process.wait()


@contextlib.asynccontextmanager
async def _hard_e(
    env: dict[str, str], workers: int, workdir: Path, http: httpx.AsyncClient
) -> AsyncIterator[HardEServer]:
    port = free_port()
    server = HardEServer({**env, "HARDE_PUBLIC_URL": f"http://127.0.0.1:{port}"}, port, workers, workdir)
    try:
        await server.wait_until_ready(http)
        yield server
    finally:
        try:
            await server.stop()
        finally:
            server.kill()


async def _server_turns(redis: Redis, results: Sequence[CallResult]) -> None:
    """Hard-E's own latency breakdown of every answered turn, from each call's session record."""
    sessions = CallSessions(redis)
    for result in results:
        session_id = (await get_call(redis, TENANT_ID, result.call_sid)).get("session_id")
        record = await sessions.get(TENANT_ID, session_id) if session_id else None
        if record is not None:
            turns = (TurnLatency.from_json(turn) for turn in record.latency)
            result.server_turns = [turn for turn in turns if turn.silent_at is not None]  # not greetings


async def _wrapped_up(redis: Redis, call_sids: Sequence[str]) -> None:
    """Wait (boundedly) until Hard-E has finished every call in ``call_sids``: it marks a call's
    stream closed only after the call's wrap-up (transcript, usage, memory extraction)."""
    deadline = time.monotonic() + WRAP_UP_LIMIT_SECS
    pending = list(call_sids)
    while pending and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        pending = [
            sid for sid in pending if (await get_call(redis, TENANT_ID, sid)).get("stream") != "closed"
        ]
    if pending:
        print(f"  ({len(pending)} call(s) still wrapping up after {WRAP_UP_LIMIT_SECS:.0f} s)", flush=True)


# --- the world around it: Redis, the tenant, the fakes -------------------------------------------


@dataclass(frozen=True)
class Fakes:
    llm: FakeAnthropic
    stt: FakeDeepgram
    tts: FakeCartesia
    twilio: FakeTwilioRest
    env: dict[str, str]  # how Hard-E finds them


@contextlib.asynccontextmanager
async def _serve_fakes() -> AsyncIterator[Fakes]:
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


def _server_env(fakes: Fakes, redis_url: str, secret_keys: str, var_dir: Path) -> dict[str, str]:
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


async def _seed_tenant(redis: Redis, secret_keys: str, callers: int, strategy: TurnStrategy) -> list[str]:
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


# --- one call ------------------------------------------------------------------------------------


@dataclass
class CallResult:
    call_sid: str
    latencies: list[float] = field(default_factory=list)  # voice-to-voice of each answered turn
    spoken_until: list[float] = field(default_factory=list)  # epoch seconds each question ended
    gaps: list[float] = field(default_factory=list)  # between media messages of one utterance
    utterance_bytes: list[int] = field(default_factory=list)  # audio of each utterance heard in full
    unanswered: int = 0  # utterances (greeting or reply) that did not come in full
    seconds: float = 0.0  # how long the media stream was open
    server_turns: list[TurnLatency] = field(default_factory=list)  # Hard-E's breakdown of each

    def paired_turns(self) -> list[PairedTurn]:
        """Each answered turn as the caller timed it, with Hard-E's breakdown of it (none when the
        two do not line up one to one, e.g. after a missed reply)."""
        if len(self.server_turns) != len(self.latencies):
            return []
        paired = []
        turns = zip(self.latencies, self.spoken_until, self.server_turns, strict=True)
        for total, spoken_until, server in turns:
            assert server.silent_at is not None, "only turns measured from the caller's silence"
            split = TurnSplit(spoken_until, total, server.silent_at, server.total_secs)
            paired.append(PairedTurn(split, server))
        return paired


@dataclass(frozen=True)
class PairedTurn:
    split: TurnSplit
    server: TurnLatency  # Hard-E's breakdown


@dataclass(frozen=True)
class Utterances:
    """The audio (mu-law bytes) the greeting and the reply carry, learnt from warm-up calls on an
    idle server. Under load Hard-E can stall inside an utterance for longer than any sensible
    quiet spell; knowing its size, the caller does not take the stall for its end, talk over the
    rest, and then time the tail as the next reply."""

    greeting: int = 0  # 0: unknown, the utterance ends when the line goes quiet
    reply: int = 0

    @classmethod
    def learnt_from(cls, warm_up: Sequence[CallResult]) -> Utterances:
        """From calls of one turn each, which must all have heard the same two utterances."""
        sizes = {tuple(result.utterance_bytes) for result in warm_up}
        if len(sizes) != 1 or len(next(iter(sizes))) != 2:
            raise RuntimeError(f"warm-up calls heard different or missing utterances: {sorted(sizes)}")
        greeting, reply = sizes.pop()
        return cls(greeting, reply)


@dataclass(frozen=True)
class PhoneLine:
    """One round's way to Hard-E."""

    base_url: str
    harness: Harness
    utterances: Utterances = Utterances()


@dataclass
class LiveCalls:
    count: int = 0


async def _listen(caller: SimulatedCaller, result: CallResult, size: int) -> float | None:
    """Wait, with silence on the line, for the bot's next utterance to arrive in full (``size``
    bytes; 0 when unknown) and finish playing; note its size and pacing. Returns its
    voice-to-voice latency, or None when it did not come in full in time."""
    first = len(caller.media_arrivals)
    deadline = time.monotonic() + REPLY_TIMEOUT_SECS
    line = asyncio.create_task(caller.silence(REPLY_TIMEOUT_SECS + QUIET_SECS))
    latency: float | None
    try:
        latency, _ = await caller.wait_for_reply(timeout=REPLY_TIMEOUT_SECS, quiet=QUIET_SECS)
        while _received(caller, first) < size and time.monotonic() < deadline and not caller.closed.is_set():
            await caller.wait_until_quiet(QUIET_SECS, deadline)
    except TimeoutError:
        latency = None
    finally:
        line.cancel()
        with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
            await line
    if latency is None or _received(caller, first) < size:
        result.unanswered += 1
        return None
    arrivals = [at for at, _size in caller.media_arrivals[first:]]
    result.gaps += [later - earlier for earlier, later in pairwise(arrivals)]
    result.utterance_bytes.append(_received(caller, first))
    return latency


def _received(caller: SimulatedCaller, first: int) -> int:
    """Bytes of audio that arrived in media messages from number ``first`` on."""
    return sum(size for _at, size in caller.media_arrivals[first:])


async def _call(line: PhoneLine, phone: str, turns: int, live: LiveCalls) -> CallResult:
    """One caller: the greeting, then ``turns`` questions, each answered before the next."""
    harness, twilio = line.harness, line.harness.fakes.twilio
    caller = SimulatedCaller(
        line.base_url, public_url=line.base_url, auth_token=twilio.auth_token, caller=phone, called=LINE
    )
    await caller.dial(harness.http)
    twilio.live_call(caller.call_sid, to=LINE, from_=phone)
    result = CallResult(caller.call_sid)
    await caller.connect()
    opened = time.monotonic()
    live.count += 1
    try:
        if await _listen(caller, result, line.utterances.greeting) is None:
            return result
        for _ in range(turns):
            await caller.say(harness.speech)
            spoken_until = time.time() - (time.monotonic() - (caller.speech_ended_at or 0.0))
            latency = await _listen(caller, result, line.utterances.reply)
            if latency is None:
                break
            result.latencies.append(latency)
            result.spoken_until.append(spoken_until)
    finally:
        live.count -= 1
        await caller.hang_up()
        result.seconds = time.monotonic() - opened
    return result


async def _calls_together(line: PhoneLine, count: int, turns: int, live: LiveCalls) -> list[CallResult]:
    async def staggered(index: int) -> CallResult:
        await asyncio.sleep(index * STAGGER_SECS)
        return await _call(line, line.harness.phones[index], turns, live)

    return list(await asyncio.gather(*(staggered(index) for index in range(count))))


# --- one round of N calls ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    at: float
    live: int
    server_cpu: float
    server_rss: int


@dataclass(frozen=True)
class Clocks:
    """CPU clocks at one moment, for rates over a stretch of time."""

    at: float
    server: float  # Hard-E's CPU seconds
    harness: float  # this process's
    machine: float  # busy seconds of all cores, whatever ran on them

    @classmethod
    def read(cls, server: HardEServer) -> Clocks:
        return cls(
            time.monotonic(), _cpu_seconds(server.processes()), time.process_time(), _machine_busy_seconds()
        )


@dataclass(frozen=True)
class Round:
    calls: int
    results: list[CallResult]
    samples: list[Sample]
    begin: Clocks  # before the first dial
    end: Clocks  # once every call was wrapped up
    idle_rss: int  # the warmed-up server before the round
    stt_late: list[float]
    tts_late: list[float]
    loop_lag: list[float]

    @property
    def latencies(self) -> list[float]:
        return [latency for result in self.results for latency in result.latencies]

    @property
    def gaps(self) -> list[float]:
        return [gap for result in self.results for gap in result.gaps]

    @property
    def unanswered(self) -> int:
        return sum(result.unanswered for result in self.results)

    @property
    def all_live(self) -> list[Sample]:
        return [sample for sample in self.samples if sample.live == self.calls]

    def cores(self, clock: Callable[[Clocks], float]) -> float:
        """Cores kept busy over the round, by what ``clock`` reads."""
        return (clock(self.end) - clock(self.begin)) / (self.end.at - self.begin.at)


async def _sample_server(server: HardEServer, live: LiveCalls, samples: list[Sample]) -> None:
    while True:
        pids = server.processes()
        samples.append(Sample(time.monotonic(), live.count, _cpu_seconds(pids), _rss_bytes(pids)))
        await asyncio.sleep(SAMPLE_SECS)


async def _watch_loop(lags: list[float]) -> None:
    """How late this process's event loop wakes up: when callers and fakes overload it, their
    timestamps drift, and the reader should know."""
    while True:
        due = time.monotonic() + LOOP_TICK_SECS
        await asyncio.sleep(LOOP_TICK_SECS)
        lags.append(time.monotonic() - due)


@contextlib.asynccontextmanager
async def _harness_gc_paused() -> AsyncIterator[None]:
    """No garbage collection in this process while calls are measured. With the callers and the
    fakes' state on its heap, a full collection here stops them all for ~190 ms (measured with
    ``gc.callbacks``): every turn in flight then looks that much slower, though Hard-E, in its own
    processes, was not. Garbage is collected between rounds instead."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@contextlib.asynccontextmanager
async def _running(*jobs: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Run background jobs for the duration of the block."""
    tasks = [asyncio.create_task(job) for job in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _run_round(count: int, turns: int, harness: Harness) -> Round:
    fakes = harness.fakes
    async with _hard_e(harness.env, harness.workers, harness.workdir, harness.http) as server:
        # Warm-up: lazy imports, models and connections in every worker; the clips get cached.
        idle_line = PhoneLine(server.base_url, harness)
        warm_up = await _calls_together(idle_line, WARM_UP_CALLS_PER_WORKER * harness.workers, 1, LiveCalls())
        await _wrapped_up(harness.redis, [result.call_sid for result in warm_up])
        line = PhoneLine(server.base_url, harness, Utterances.learnt_from(warm_up))
        idle_rss = _rss_bytes(server.processes())
        stt_sessions, tts_sessions = len(fakes.stt.sessions), len(fakes.tts.sessions)
        live, samples, lags = LiveCalls(), list[Sample](), list[float]()
        begin = Clocks.read(server)
        async with _running(_sample_server(server, live, samples), _watch_loop(lags)), _harness_gc_paused():
            results = await _calls_together(line, count, turns, live)
            await _wrapped_up(harness.redis, [result.call_sid for result in results])
        await _server_turns(harness.redis, results)
        end = Clocks.read(server)
    return Round(
        calls=count,
        results=results,
        samples=samples,
        begin=begin,
        end=end,
        idle_rss=idle_rss,
        stt_late=[late for session in fakes.stt.sessions[stt_sessions:] for late in session.late_by],
        tts_late=[late for session in fakes.tts.sessions[tts_sessions:] for late in session.late_by],
        loop_lag=lags,
    )


# --- the report ----------------------------------------------------------------------------------


def _ms(values: Sequence[float], share: float) -> str:
    return f"{percentile(list(values), share) * 1000:.0f} ms" if values else "-"


def _late(values: Sequence[float]) -> str:
    return f"{len(values)}x, max {max(values) * 1000:.0f} ms" if values else "never"


def _against_baseline(round_: Round, baseline: Round) -> str:
    if round_ is baseline:
        return "(baseline)"
    if not round_.latencies or not baseline.latencies:
        return "-"
    rise = percentile(round_.latencies, 0.95) - percentile(baseline.latencies, 0.95)
    text = f"{rise * 1000:+.0f} ms"
    if round_.calls == TARGET_CALLS:
        passed = rise <= TARGET_P95_RISE_SECS and not round_.unanswered
        text += f"  {'PASS' if passed else 'FAIL'} (target +{TARGET_P95_RISE_SECS * 1000:.0f} ms)"
    return text


def _latency_row(round_: Round, baseline: Round) -> str:
    gaps = round_.gaps
    return (
        f"{round_.calls:>6}{len(round_.latencies):>7}{round_.unanswered:>8}"
        f"{_ms(round_.latencies, 0.5):>10}{_ms(round_.latencies, 0.95):>10}"
        f"   {_against_baseline(round_, baseline):<36}{_ms(gaps, 0.99):>9}{_ms(gaps, 1.0):>9}"
    )


def _resources_row(round_: Round) -> str:
    call_minutes = sum(result.seconds for result in round_.results) / 60
    server_cpu = round_.end.server - round_.begin.server
    live = round_.all_live
    span = live[-1].at - live[0].at if len(live) > 1 else 0.0
    cores = (live[-1].server_cpu - live[0].server_cpu) / span if span else 0.0
    rise = median(sample.server_rss for sample in live) - round_.idle_rss if live else 0.0
    return (
        f"{round_.calls:>6}{server_cpu / call_minutes if call_minutes else 0.0:>17.2f}{cores:>13.2f}"
        f"{round_.idle_rss / MB:>11.0f} MB{rise / MB:>11.0f} MB{rise / round_.calls / MB:>11.1f} MB"
    )


def _harness_row(round_: Round) -> str:
    return (
        f"{round_.calls:>6}  {_late(round_.stt_late):<22}{_late(round_.tts_late):<22}"
        f"{_ms(round_.loop_lag, 0.99):>14}{_ms(round_.loop_lag, 1.0):>14}"
        f"{round_.cores(lambda clocks: clocks.harness):>15.2f}"
        f"{round_.cores(lambda clocks: clocks.machine):>14.2f} of {os.cpu_count()}"
    )


STAGES = (
    ("transcription", "STT"),
    ("turn detection", "turn"),
    ("LLM inference", "LLM"),
    ("speech synthesis", "TTS"),
    ("pipeline", "pipeline"),
)


def _breakdown_row(round_: Round) -> str:
    """p95 of each part of a turn: the silence Silero waited for, each stage of Hard-E's own
    breakdown after its verdict, and delivery to the caller's ear."""
    pairs = [pair for result in round_.results for pair in result.paired_turns()]
    if not pairs:
        return f"{round_.calls:>6}  (no turns to break down)"
    stages = [[pair.server.stage_secs(label) for pair in pairs] for label, _ in STAGES]
    cells = "".join(f"{_ms(values, 0.95):>10}" for values in stages)
    vad_wait = _ms([pair.split.vad_wait for pair in pairs], 0.95)
    hard_e = _ms([pair.split.after_verdict for pair in pairs], 0.95)
    delivery = _ms([pair.split.delivery for pair in pairs], 0.95)
    return f"{round_.calls:>6}{len(pairs):>7}{vad_wait:>10}{cells}{hard_e:>10}{delivery:>10}"


def _write_turns(rounds: Sequence[Round], path: Path) -> None:
    """One JSON line per answered turn of every round; times in seconds, ``ended`` in epoch
    seconds (when the question's last word left the caller)."""
    with path.open("w") as out:
        for round_ in rounds:
            for call, result in enumerate(round_.results):
                for question, pair in enumerate(result.paired_turns(), start=1):
                    split = pair.split
                    line = {
                        "calls": round_.calls,
                        "call": call,
                        "question": question,
                        "ended": round(split.spoken_until, 3),
                        "v2v": round(split.total, 4),
                        "vad_wait": round(split.vad_wait, 4),
                        "after_verdict": round(split.after_verdict, 4),
                        "delivery": round(split.delivery, 4),
                        "stages": {label: pair.server.stage_secs(label) for label, _ in STAGES},
                    }
                    out.write(json.dumps(line) + "\n")


def _report(rounds: list[Round], options: Options) -> None:
    baseline = rounds[0]
    print(
        f"fixed providers: STT final {STT_FINAL_SECS * 1000:.0f} ms after Finalize, LLM first token "
        f"{LLM_FIRST_TOKEN_SECS * 1000:.0f} ms, TTS first audio {TTS_FIRST_AUDIO_SECS * 1000:.0f} ms; "
        f"Hard-E with {options.workers} worker(s), turns ended by {options.turn_strategy}; "
        f"{options.turns} turns a call ({options.baseline_turns} for the single call), "
        f"starts {STAGGER_SECS * 1000:.0f} ms apart"
    )
    print("voice-to-voice at the caller, and outbound pacing (gaps between media messages of one utterance):")
    print(
        f"{'calls':>6}{'turns':>7}{'missed':>8}{'v2v p50':>10}{'v2v p95':>10}   {'p95 vs 1 call':<36}"
        f"{'gap p99':>9}{'gap max':>9}"
    )
    for round_ in rounds:
        print(_latency_row(round_, baseline))
    print(
        "Hard-E (CPU per call-minute over the whole round, set-up and wrap-up included; "
        "the rest while all calls were live):"
    )
    print(
        f"{'calls':>6}{'CPU s/call-min':>17}{'cores busy':>13}"
        f"{'idle RSS':>14}{'RSS rise':>14}{'RSS/call':>14}"
    )
    for round_ in rounds:
        print(_resources_row(round_))
    print(
        "where the time went, p95 of each part: Silero's wait from the last word to its verdict, "
        "Hard-E's stages after it and their sum, delivery to the caller's ear"
    )
    print(
        f"{'calls':>6}{'turns':>7}{'VAD wait':>10}"
        + "".join(f"{short:>10}" for _, short in STAGES)
        + f"{'Hard-E':>10}{'delivery':>10}"
    )
    for round_ in rounds:
        print(_breakdown_row(round_))
    print("the harness (fakes or this process running late, or a busy machine, inflate the figures above):")
    print(
        f"{'calls':>6}  {'STT final late':<22}{'TTS first audio late':<22}"
        f"{'loop lag p99':>14}{'loop lag max':>14}{'harness cores':>15}{'machine cores busy':>19}"
    )
    for round_ in rounds:
        print(_harness_row(round_))
    if TARGET_CALLS not in [round_.calls for round_ in rounds[1:]]:
        print(f"no {TARGET_CALLS}-call round: the target was not checked")


# --- the whole run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    calls: list[int]
    turns: int
    baseline_turns: int
    workers: int
    turn_strategy: TurnStrategy
    turns_log: Path | None


async def _measure(options: Options) -> None:
    speech = speech_mulaw8k(PHRASE)
    secret_keys = new_key_spec("bench")
    workers = options.workers
    needed_phones = max(*options.calls, WARM_UP_CALLS_PER_WORKER * workers)
    with tempfile.TemporaryDirectory(prefix="harde-phones-") as scratch:
        workdir = Path(scratch)
        redis = EmbeddedRedis(workdir / "redis")
        redis.start()
        try:
            async with (
                _serve_fakes() as fake,
                httpx.AsyncClient(timeout=30) as http,
                client_for(redis.url) as db,
            ):
                phones = await _seed_tenant(db, secret_keys, needed_phones, options.turn_strategy)
                env = _server_env(fake, redis.url, secret_keys, workdir / "var")
                harness = Harness(fake, http, db, env, workers, workdir, phones, speech)
                rounds = []
                plan = [(1, options.baseline_turns), *((n, options.turns) for n in options.calls)]
                for count, round_turns in plan:
                    started = time.monotonic()
                    print(f"  {count} call(s), {round_turns} turns each ...", end="", flush=True)
                    rounds.append(await _run_round(count, round_turns, harness))
                    print(f" {time.monotonic() - started:.0f} s", flush=True)
        finally:
            redis.stop()
    _report(rounds, options)
    if options.turns_log is not None:
        _write_turns(rounds, options.turns_log)
        print(f"every turn: {options.turns_log}")


def _call_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("give at least one call count, each 1 or more")
    return counts


def main(argv: list[str] | None = None) -> None:
    """Defaults when ``python -m bench`` calls it; options when run as a module."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.phone_concurrency", description="N simultaneous simulated phone calls."
    )
    parser.add_argument("--calls", type=_call_counts, default=list(DEFAULT_CALLS), help="e.g. 10,25,50")
    parser.add_argument("--turns", type=int, default=3, help="questions per call")
    parser.add_argument(
        "--baseline-turns", type=int, default=10, help="questions in the single-call baseline"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="Hard-E worker processes (harde serve --workers)"
    )
    parser.add_argument(
        "--turn-strategy",
        type=TurnStrategy,
        choices=list(TurnStrategy),
        default=TurnStrategy.SPEECH_TIMEOUT,
        help="how the tenant's turns end (default: %(default)s; smart_turn is a new tenant's default)",
    )
    parser.add_argument(
        "--turns-log", type=Path, metavar="FILE", help="also write every answered turn as a JSON line"
    )
    args = parser.parse_args(argv or [])
    if min(args.turns, args.baseline_turns, args.workers) < 1:
        parser.error("--turns, --baseline-turns and --workers must be at least 1")
    options = Options(
        args.calls, args.turns, args.baseline_turns, args.workers, args.turn_strategy, args.turns_log
    )
    asyncio.run(_measure(options))


if __name__ == "__main__":
    main(sys.argv[1:])
