"""One round of N calls on a fresh, warmed-up server, with Hard-E's CPU and memory sampled and
the harness watched while they run."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bench.phone_concurrency.callers import CallResult, LiveCalls, PhoneLine, Utterances, calls_together
from bench.phone_concurrency.procfs import cpu_seconds, machine_busy_seconds, rss_bytes
from bench.phone_concurrency.server import HardEServer, hard_e, server_turns, wrapped_up
from bench.phone_concurrency.world import Harness

SAMPLE_SECS = 0.25  # how often Hard-E's CPU and memory are read
LOOP_TICK_SECS = 0.02
WARM_UP_CALLS_PER_WORKER = 2  # uvicorn's workers share one socket: this usually reaches them all


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
            time.monotonic(), cpu_seconds(server.processes()), time.process_time(), machine_busy_seconds()
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
        samples.append(Sample(time.monotonic(), live.count, cpu_seconds(pids), rss_bytes(pids)))
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


async def run_round(count: int, turns: int, harness: Harness) -> Round:
    fakes = harness.fakes
    async with hard_e(harness.env, harness.workers, harness.workdir, harness.http) as server:
        # Warm-up: lazy imports, models and connections in every worker; the clips get cached.
        idle_line = PhoneLine(server.base_url, harness)
        warm_up = await calls_together(idle_line, WARM_UP_CALLS_PER_WORKER * harness.workers, 1, LiveCalls())
        await wrapped_up(harness.redis, [result.call_sid for result in warm_up])
        line = PhoneLine(server.base_url, harness, Utterances.learnt_from(warm_up))
        idle_rss = rss_bytes(server.processes())
        stt_sessions, tts_sessions = len(fakes.stt.sessions), len(fakes.tts.sessions)
        live, samples, lags = LiveCalls(), list[Sample](), list[float]()
        begin = Clocks.read(server)
        async with _running(_sample_server(server, live, samples), _watch_loop(lags)), _harness_gc_paused():
            results = await calls_together(line, count, turns, live)
            await wrapped_up(harness.redis, [result.call_sid for result in results])
        await server_turns(harness.redis, results)
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
