"""The embedded Redis under a kill, and what fsyncing every write costs.

Eight clients write as fast as they can to a real embedded Redis. First for a few seconds with
``appendfsync always`` (what Hard-E runs) and with ``everysec`` (at most a second of writes lost
on a crash), for writes per second and per-write latency. Then the server is killed with SIGKILL
in the middle of the stream: the supervisor restarts it, it replays its append-only file, and the
clients carry on; the figures are the writes acknowledged, the writes lost (the target is none),
and how long the writers waited for the server to come back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

from core.redis import EmbeddedRedis, Redis, client_for

CLIENTS = 8
SECONDS = 3.0
KILL_AFTER_S = 1.0


async def _writer(redis: Redis, name: str, until: float, latencies: list[float], keys: list[str]) -> None:
    n = 0
    while time.perf_counter() < until:
        key = f"{name}:{n}"
        started = time.perf_counter()
        await redis.set(key, n)
        latencies.append(time.perf_counter() - started)
        keys.append(key)
        n += 1


async def _stream(redis: Redis, label: str, seconds: float) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    keys: list[str] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_writer(redis, f"{label}:{c}", until, latencies, keys) for c in range(CLIENTS)))
    return latencies, keys


def _quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


async def _fsync_cost(redis: Redis) -> None:
    print(f"{CLIENTS} clients writing for {SECONDS:.0f} s each way (SET, unix socket)")
    print(f"  {'appendfsync':<12}{'writes/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for policy in ("always", "everysec"):
        await redis.config_set("appendfsync", policy)
        latencies, _ = await _stream(redis, policy, SECONDS)
        p50, p99 = _quantile(latencies, 50), _quantile(latencies, 99)
        print(f"  {policy:<12}{len(latencies) / SECONDS:>10.0f}{p50:>10.2f}{p99:>10.2f}")
    await redis.config_set("appendfsync", "always")


async def _kill(redis: Redis, server: EmbeddedRedis) -> None:
    pid = server.pid
    assert pid is not None
    writing = asyncio.create_task(_stream(redis, "kill", SECONDS))
    await asyncio.sleep(KILL_AFTER_S)
    os.kill(pid, signal.SIGKILL)
    latencies, keys = await writing
    async with redis.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.exists(key)
        present = sum(await pipe.execute())
    print(f"SIGKILL to the server {KILL_AFTER_S:.0f} s into {SECONDS:.0f} s of writes")
    print(f"  restarts by the supervisor {server.restarts:>2}")
    print(f"  acknowledged writes  {len(keys):>8}")
    print(f"  lost after restart   {len(keys) - present:>8}   target: 0")
    print(f"  longest write (waited out the restart) {max(latencies) * 1000:.0f} ms")


async def _run(server: EmbeddedRedis) -> None:
    redis = client_for(server.url)
    try:
        await _fsync_cost(redis)
        await _kill(redis, server)
    finally:
        await redis.aclose()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="harde-bench-") as scratch:
        server = EmbeddedRedis(Path(scratch) / "redis")
        server.start()
        try:
            asyncio.run(_run(server))
        finally:
            server.stop()
