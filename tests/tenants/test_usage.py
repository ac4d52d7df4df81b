import asyncio
from datetime import UTC, datetime, timedelta

from core.redis import client_for
from tenants import Tenant, TrialLimits
from tenants.usage import LimitReason, UsageMeter


def trial(**limits) -> Tenant:
    return Tenant(id="trial-co", name="Trial Co", trial=TrialLimits(**limits))


async def test_concurrent_messages_never_exceed_the_trial(redis, redis_server):
    tenant = trial(max_messages=10)
    clients = [client_for(redis_server.url) for _ in range(4)]  # four "workers"
    meters = [UsageMeter(client) for client in clients]
    decisions = await asyncio.gather(*(meters[i % 4].try_consume_message(tenant) for i in range(100)))
    assert sum(d.allowed for d in decisions) == 10
    assert {d.reason for d in decisions if not d.allowed} == {LimitReason.MESSAGES}
    assert (await UsageMeter(redis).daily("trial-co", days=1))[0].messages == 10
    for client in clients:
        await client.aclose()


async def test_expired_trial_and_voice_allowance(redis):
    meter = UsageMeter(redis)
    expired = trial(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert (await meter.try_consume_message(expired)).reason is LimitReason.EXPIRED
    voice = trial(max_voice_minutes=2)
    assert (await meter.voice_allowance(voice)).remaining == 120
    await meter.add_voice_seconds("trial-co", 90)
    assert (await meter.voice_allowance(voice)).remaining == 30
    await meter.add_voice_seconds("trial-co", 45)
    decision = await meter.voice_allowance(voice)
    assert not decision.allowed and decision.reason is LimitReason.VOICE
    assert "voice minutes" in decision.message


async def test_unlimited_tenants_are_counted_but_never_refused(redis):
    meter = UsageMeter(redis)
    tenant = Tenant(id="paid-co", name="Paid Co")
    for _ in range(3):
        assert (await meter.try_consume_message(tenant)).allowed
    await meter.add_tool_call("paid-co")
    today = (await meter.daily("paid-co", days=3))[-1]
    assert (today.messages, today.tool_calls) == (3, 1)
