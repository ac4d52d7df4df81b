"""The Redis token bucket, against a real Redis server."""

from __future__ import annotations

import asyncio

import pytest

from core.ratelimit import RateLimitExceeded, TokenBucket
from core.redis import client_for

pytestmark = pytest.mark.any_redis_keys  # buckets under keys of the test's own


async def test_grants_the_burst_then_refuses_with_the_time_to_the_next_token(redis):
    bucket = TokenBucket(redis, "rl:burst", rate_per_minute=60, burst=3)

    decisions = [await bucket.try_acquire() for _ in range(4)]

    assert [decision.allowed for decision in decisions] == [True, True, True, False]
    assert [decision.remaining for decision in decisions[:3]] == [2, 1, 0]
    assert 0 < decisions[3].retry_after <= 1.0  # one token a second


async def test_tokens_come_back_at_the_configured_rate(redis):
    bucket = TokenBucket(redis, "rl:refill", rate_per_minute=600, burst=1)
    assert (await bucket.try_acquire()).allowed
    refused = await bucket.try_acquire()
    assert not refused.allowed

    await asyncio.sleep(refused.retry_after + 0.02)

    assert (await bucket.try_acquire()).allowed


async def test_acquire_waits_for_a_slot_and_serves_every_waiter(redis):
    bucket = TokenBucket(redis, "rl:wait", rate_per_minute=1200, burst=2)

    await asyncio.gather(*(bucket.acquire(max_wait=5.0) for _ in range(8)))

    # Six waiters borrowed against future tokens: the bucket is in debt, so nothing is free now.
    assert not (await bucket.try_acquire()).allowed


async def test_acquire_refuses_at_once_when_no_slot_is_due_within_the_bound(redis):
    bucket = TokenBucket(redis, "rl:bound", rate_per_minute=6, burst=1)  # one token per 10 s
    await bucket.acquire(max_wait=0.0)

    with pytest.raises(RateLimitExceeded) as refused:
        await bucket.acquire(max_wait=0.5)

    assert 9.0 < refused.value.retry_after <= 10.0
    assert "no slot within 0.5 s" in str(refused.value)


async def test_a_refused_caller_does_not_use_up_the_next_slot(redis):
    bucket = TokenBucket(redis, "rl:refused", rate_per_minute=6, burst=1)
    await bucket.acquire(max_wait=0.0)
    first = await bucket.try_acquire()

    with pytest.raises(RateLimitExceeded):
        await bucket.acquire(max_wait=0.1)
    second = await bucket.try_acquire()

    assert second.retry_after <= first.retry_after


async def test_two_clients_share_one_bucket_through_redis(redis, redis_server):
    other_client = client_for(redis_server.url)
    try:
        mine = TokenBucket(redis, "rl:shared", rate_per_minute=60, burst=2)
        theirs = TokenBucket(other_client, "rl:shared", rate_per_minute=60, burst=2)

        assert (await mine.try_acquire()).allowed
        assert (await theirs.try_acquire()).allowed
        assert not (await mine.try_acquire()).allowed
        assert not (await theirs.try_acquire()).allowed
    finally:
        await other_client.aclose()


async def test_separate_keys_are_separate_buckets(redis):
    first = TokenBucket(redis, "rl:a", rate_per_minute=60, burst=1)
    second = TokenBucket(redis, "rl:b", rate_per_minute=60, burst=1)

    assert (await first.try_acquire()).allowed
    assert (await second.try_acquire()).allowed


async def test_an_idle_bucket_expires_from_redis(redis):
    bucket = TokenBucket(redis, "rl:ttl", rate_per_minute=60, burst=5)
    await bucket.try_acquire()

    ttl_ms = await redis.pttl("rl:ttl")

    assert 0 < ttl_ms <= 2000  # one token to refill (1 s) plus a second of slack


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-5, 1), (60, 0)])
def test_nonsense_settings_are_refused(redis, rate, burst):
    with pytest.raises(ValueError):
        TokenBucket(redis, "rl:bad", rate_per_minute=rate, burst=burst)
