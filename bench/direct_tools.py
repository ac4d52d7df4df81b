"""Direct Tools API overhead: ``POST /v1/tools/get_customer`` against calling the sandbox directly.

Runs ``harde serve`` in its own process (as in production: uvicorn, embedded Redis, the sandbox
mounted in-process with no injected latency) and drives it from here at a steady 100 requests a
second for 10 seconds per phase, over loopback:

(a) the sandbox's ``GET /customers/{id}`` directly, with httpx;
(b) ``POST /v1/tools/get_customer`` with an API key, which authenticates the key, takes its rate
    limit slots, checks scope and trial, runs the tool through the brain's policy (one Leap call to
    the same sandbox), audits it and counts usage.

The load is spread over 100 tenants (one key and one sandbox company each), as real traffic
would be: a single Leap token may only make 60 requests a minute, and the benchmark measures our
overhead, not that limit. Reported: p50 and p95 of each, and the difference against the target
(p95 overhead under 15 ms).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from api import new_operator_token
from bench._server import free_port, start_server, wait_until_ready

RATE_PER_SECOND = 100
SECONDS = 10
TENANTS = 100
TARGET_P95_OVERHEAD_MS = 15.0
_START_TIMEOUT_S = 60.0


def _tenants_with_keys(base_url: str, operator: dict[str, str]) -> list[dict[str, str]]:
    headers = []
    with httpx.Client(base_url=base_url, headers=operator, timeout=30) as http:
        for number in range(TENANTS):
            tenant_id = f"bench-{number:03d}"
            http.post(
                "/v1/tenants", json={"id": tenant_id, "name": tenant_id, "crm": "sandbox"}
            ).raise_for_status()
            key = http.post(
                f"/v1/tenants/{tenant_id}/api-keys", json={"name": "bench", "scopes": ["tools:read"]}
            )
            key.raise_for_status()
            headers.append({"Authorization": f"Bearer {key.json()['key']}"})
    return headers


Request = Callable[[int], Awaitable[httpx.Response]]


async def _steady(request: Request) -> tuple[list[float], int]:
    """``RATE_PER_SECOND`` requests a second for ``SECONDS`` seconds, each started on schedule;
    returns the latencies (ms) of the successful ones and the number of failures."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2

    async def one(index: int) -> float | None:
        await asyncio.sleep(max(0.0, start + index / RATE_PER_SECOND - loop.time()))
        began = time.perf_counter()
        response = await request(index)
        elapsed = (time.perf_counter() - began) * 1000
        return elapsed if response.status_code == 200 else None

    results = await asyncio.gather(*(one(index) for index in range(RATE_PER_SECOND * SECONDS)))
    latencies = [result for result in results if result is not None]
    return latencies, len(results) - len(latencies)


def _percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


async def _measure(base_url: str, keys: list[dict[str, str]]) -> dict[str, tuple[list[float], int]]:
    tokens = [{"Authorization": f"Bearer sandbox_bench_direct_{n:03d}"} for n in range(TENANTS)]
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as http:
        first = await http.get("/sandbox/leap/api/v3/customers", params={"limit": 1}, headers=tokens[0])
        customer_id = first.json()["data"][0]["id"]  # every sandbox company is seeded the same way

        async def direct(index: int) -> httpx.Response:
            return await http.get(
                f"/sandbox/leap/api/v3/customers/{customer_id}", headers=tokens[index % TENANTS]
            )

        async def via_api(index: int) -> httpx.Response:
            body = {"customer_id": customer_id}
            return await http.post("/v1/tools/get_customer", json=body, headers=keys[index % TENANTS])

        for index in range(TENANTS):  # warm up: seed every sandbox company, open connections
            await direct(index)
            (await via_api(index)).raise_for_status()
        return {"direct": await _steady(direct), "api": await _steady(via_api)}


def main() -> None:
    operator_token, operator_hash = new_operator_token()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="harde-bench-") as scratch:
        server = start_server(Path(scratch), port, operator_hash)
        try:
            wait_until_ready(base_url, server, _START_TIMEOUT_S)
            keys = _tenants_with_keys(base_url, {"Authorization": f"Bearer {operator_token}"})
            results = asyncio.run(_measure(base_url, keys))
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"{RATE_PER_SECOND} requests/s for {SECONDS} s per phase, {TENANTS} tenants, no injected latency")
    load = os.getloadavg()[0]
    print(f"  machine: {os.cpu_count()} cores, load average {load:.1f} (other work slows both phases)")
    figures = {}
    for name, label in (
        ("direct", "sandbox directly (GET /customers/{id})"),
        ("api", "POST /v1/tools/get_customer"),
    ):
        latencies, failures = results[name]
        p50, p95 = _percentile(latencies, 0.50), _percentile(latencies, 0.95)
        figures[name] = (p50, p95)
        print(f"  {label:<42} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   failures {failures}")
    overhead_p50 = figures["api"][0] - figures["direct"][0]
    overhead_p95 = figures["api"][1] - figures["direct"][1]
    verdict = "meets" if overhead_p95 < TARGET_P95_OVERHEAD_MS else "MISSES"
    print(f"  overhead: p50 {overhead_p50:+.1f} ms, p95 {overhead_p95:+.1f} ms")
    print(f"  target: p95 overhead under {TARGET_P95_OVERHEAD_MS:.0f} ms -> {verdict}")
