"""The simulated-caller fleet: one call (the greeting, then questions, each answered before the
next), N calls together, and what each caller measured."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import websockets

from bench.phone_concurrency.world import LINE, Harness
from bench.voice_latency import TurnSplit
from pipeline import TurnLatency
from testkit.fakes.twilio_caller import SimulatedCaller

STAGGER_SECS = 0.05  # between call starts, so N webhooks do not land in the same millisecond
REPLY_TIMEOUT_SECS = 30.0
QUIET_SECS = 1.0  # silence after which a bot utterance counts as finished


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


async def calls_together(line: PhoneLine, count: int, turns: int, live: LiveCalls) -> list[CallResult]:
    async def staggered(index: int) -> CallResult:
        await asyncio.sleep(index * STAGGER_SECS)
        return await _call(line, line.harness.phones[index], turns, live)

    return list(await asyncio.gather(*(staggered(index) for index in range(count))))
