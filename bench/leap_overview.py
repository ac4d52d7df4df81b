"""Job overview: concurrent legs cost the slowest leg, not the sum.

Starts the Leap sandbox on loopback with 300 ms added to every API call, then times the
``job_overview`` tool (its legs fetched with ``asyncio.gather``) against the same legs awaited one
after another with the same client. Both run against a real embedded Redis (limiter and company
cache), exactly as in production.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from core.redis import EmbeddedRedis, client_for
from crm_leap import CompanyDirectory, LeapClient, LeapLimits, ToolContext, leap_rate_limiter
from crm_leap.tools.jobs import JobOverview, overview_legs
from leap_sandbox import FaultRule, create_sandbox_app
from testkit.servers import serve_in_thread

INJECTED_LATENCY_MS = 300
ROUNDS = 5
TOKEN = "sandbox_bench_overview"  # noqa: S105 - a sandbox token, not a secret
TIMEZONE = "America/Denver"


async def _measure(base_url: str, redis_url: str) -> tuple[list[float], list[float], int]:
    redis = client_for(redis_url)
    limiter = leap_rate_limiter(redis, TOKEN, LeapLimits(requests=10_000))
    async with LeapClient(TOKEN, base_url=f"{base_url}/api/v3", limiter=limiter) as leap:
        ctx = ToolContext("bench", leap, CompanyDirectory("bench", leap, redis), TIMEZONE)
        job_id = int((await leap.find_jobs(limit=1)).items[0]["id"])
        tool = JobOverview()
        concurrent: list[float] = []
        sequential: list[float] = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            await tool.run(ctx, {"job_id": job_id})
            concurrent.append(time.perf_counter() - started)
            started = time.perf_counter()
            for leg in overview_legs(ctx, job_id).values():
                await leg()
            sequential.append(time.perf_counter() - started)
        legs = len(overview_legs(ctx, job_id))
    await redis.aclose()
    return concurrent, sequential, legs


def main() -> None:
    app = create_sandbox_app(seed=7, rate_limit_per_minute=100_000)
    app.state.sandbox.add_fault(FaultRule(path="/**", latency_ms=INJECTED_LATENCY_MS))
    with tempfile.TemporaryDirectory(prefix="harde-bench-") as scratch, serve_in_thread(app) as base_url:
        redis_server = EmbeddedRedis(Path(scratch))
        redis_server.start()
        try:
            concurrent, sequential, legs = asyncio.run(_measure(base_url, redis_server.url))
        finally:
            redis_server.stop()

    compound = statistics.median(concurrent)
    summed = statistics.median(sequential)
    latency = INJECTED_LATENCY_MS
    print(f"job_overview: {legs} Leap calls, {latency} ms injected on each, median of {ROUNDS} runs")
    print(f"  {'compound (asyncio.gather)':<32}{compound * 1000:>8.0f} ms")
    print(f"  {'sequential (legs one by one)':<32}{summed * 1000:>8.0f} ms")
    print(f"  {'ratio sequential / compound':<32}{summed / compound:>8.1f} x")
    print(f"  target: compound about one leg ({latency} ms), not the sum ({legs} x {latency} ms)")
