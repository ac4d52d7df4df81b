"""Workers that share a Leap token share its budget: together they never trip Leap's limit.

The sandbox enforces a rolling window like Leap's (shortened to seconds so the test is quick).
Each client runs on its own event loop in its own thread with its own Redis connection, as two
app workers would, and has retries switched off: a single 429 would fail the test.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest

from core.redis import client_for
from crm_leap import LeapClient, LeapLimits, LeapRateLimited, RetryPolicy, leap_rate_limiter
from leap_sandbox import create_sandbox_app
from testkit.servers import serve_in_thread

SANDBOX_LIMIT = 60
WINDOW_SECONDS = 3.0
# Production spends Leap's 60/minute as a burst of 5 plus ~1 s of slack for requests that take
# longer to arrive; at this test's 20-a-second scale the same second of slack is ~15 requests.
SHARED_LIMITS = LeapLimits(requests=SANDBOX_LIMIT, window_seconds=WINDOW_SECONDS, burst=5, headroom=15)
NO_RETRY = RetryPolicy(attempts=1)
REQUESTS_PER_WORKER = 75
IN_FLIGHT_PER_WORKER = 5


@pytest.fixture
def throttled_leap_url():
    app = create_sandbox_app(
        seed=7, rate_limit_per_minute=SANDBOX_LIMIT, rate_limit_window_seconds=WINDOW_SECONDS
    )
    with serve_in_thread(app) as base_url:
        yield f"{base_url}/api/v3", app.state.sandbox


async def _hammer(client: LeapClient, requests: int) -> None:
    gate = asyncio.Semaphore(IN_FLIGHT_PER_WORKER)

    async def one() -> None:
        async with gate:
            await client.trades()

    await asyncio.gather(*(one() for _ in range(requests)))


def _worker(base_url: str, redis_url: str, token: str, failures: list[BaseException]) -> None:
    async def run() -> None:
        redis = client_for(redis_url)
        try:
            limiter = leap_rate_limiter(redis, token, SHARED_LIMITS)
            async with LeapClient(token, base_url=base_url, limiter=limiter, retry=NO_RETRY) as client:
                await _hammer(client, REQUESTS_PER_WORKER)
        finally:
            await redis.aclose()

    try:
        asyncio.run(run())
    except BaseException as error:  # handed to the test thread
        failures.append(error)


def test_two_workers_sharing_a_token_never_see_a_429(throttled_leap_url, redis_server):
    base_url, sandbox = throttled_leap_url
    token = f"sandbox_{uuid.uuid4().hex}"
    failures: list[BaseException] = []
    workers = [
        threading.Thread(target=_worker, args=(base_url, redis_server.url, token, failures)) for _ in range(2)
    ]

    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=90)

    assert failures == []
    statuses = [record.status for record in sandbox.requests(token)]
    assert len(statuses) == 2 * REQUESTS_PER_WORKER
    assert set(statuses) == {200}


async def test_without_the_shared_limiter_the_same_burst_is_throttled(throttled_leap_url):
    base_url, _ = throttled_leap_url
    token = f"sandbox_{uuid.uuid4().hex}"

    async with LeapClient(token, base_url=base_url, retry=NO_RETRY) as client:
        with pytest.raises(LeapRateLimited):
            await _hammer(client, 2 * REQUESTS_PER_WORKER)


async def test_a_caller_waits_for_a_slot_instead_of_failing(redis, throttled_leap_url):
    base_url, sandbox = throttled_leap_url
    token = f"sandbox_{uuid.uuid4().hex}"
    tight = LeapLimits(requests=SANDBOX_LIMIT, window_seconds=WINDOW_SECONDS, burst=2, headroom=48)
    limiter = leap_rate_limiter(redis, token, tight)

    async with LeapClient(token, base_url=base_url, limiter=limiter, retry=NO_RETRY) as client:
        await _hammer(client, 12)  # only 2 free, then 10 per 3 s: most calls queue for their slot

    assert [record.status for record in sandbox.requests(token)] == [200] * 12


async def test_past_the_wait_bound_the_caller_hears_rate_limited(redis, throttled_leap_url):
    base_url, _ = throttled_leap_url
    token = f"sandbox_{uuid.uuid4().hex}"
    slow = LeapLimits(
        requests=8, window_seconds=60, burst=1, headroom=1
    )  # one request per 10 s after the first
    limiter = leap_rate_limiter(redis, token, slow)

    async with LeapClient(
        token, base_url=base_url, limiter=limiter, limiter_wait=0.5, retry=NO_RETRY
    ) as client:
        await client.trades()
        with pytest.raises(LeapRateLimited) as refused:
            await client.trades()

    assert refused.value.retry_after is not None and refused.value.retry_after > 0.5


def test_the_bucket_key_holds_a_digest_not_the_token(redis):
    token = "sandbox_secret_token_value"
    limiter = leap_rate_limiter(redis, token)

    assert limiter.key.startswith("leap:rl:")
    assert "secret" not in limiter.key
