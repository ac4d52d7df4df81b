"""Usage counters per tenant and day, and trial limits that hold under any concurrency.

Counters live in one hash per tenant per day (``t:{tenant}:usage:{YYYY-MM-DD}``) plus running
totals (``t:{tenant}:usage:total``) that trial limits are checked against. A trial check and its
increment are one Lua script, so 100 concurrent requests against 10 remaining messages succeed
exactly 10 times, whichever worker they land on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from core.keys import tenant_key
from core.redis import Redis, as_str
from tenants.models import Tenant, TrialLimits

USAGE_TTL_SECONDS = 400 * 24 * 3600

# KEYS: total hash, daily hash. ARGV: field, amount, limit (-1 = none), ttl.
# Returns {1, new_total} when counted, {0, current_total} when the limit would be exceeded.
_CONSUME = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local amount = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
if limit >= 0 and current + amount > limit then return {0, tostring(current)} end
local total = redis.call('HINCRBYFLOAT', KEYS[1], ARGV[1], amount)
redis.call('HINCRBYFLOAT', KEYS[2], ARGV[1], amount)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
return {1, total}
"""


class Meter(StrEnum):
    MESSAGES = "messages"
    VOICE_SECONDS = "voice_seconds"
    TOOL_CALLS = "tool_calls"


class LimitReason(StrEnum):
    EXPIRED = "trial_expired"
    MESSAGES = "message_limit"
    VOICE = "voice_limit"


@dataclass(frozen=True)
class LimitDecision:
    allowed: bool
    reason: LimitReason | None = None
    remaining: float | None = None  # None: unlimited

    @property
    def message(self) -> str:
        return {
            None: "",
            LimitReason.EXPIRED: "This trial has ended. Contact us to keep using Hard-E.",
            LimitReason.MESSAGES: "This trial has used all its messages.",
            LimitReason.VOICE: "This trial has used all its voice minutes.",
        }[self.reason]


@dataclass(frozen=True)
class DailyUsage:
    day: date
    messages: int
    voice_minutes: float
    tool_calls: int


@dataclass(frozen=True)
class Totals:
    """Everything a tenant has used since it was created (what trial limits count against)."""

    messages: int
    voice_minutes: float
    tool_calls: int


@dataclass(frozen=True)
class TrialStatus:
    """What is left of a trial; each figure is None when that part is unlimited."""

    expires_at: datetime | None
    days_left: int | None
    messages_used: int
    messages_left: int | None
    minutes_used: float
    minutes_left: float | None


def trial_status(trial: TrialLimits, used: Totals, now: datetime) -> TrialStatus:
    """``trial`` at ``now``: a day that has begun counts as a day left (like "ends in 3 days")."""
    days_left = None
    if trial.expires_at is not None:
        seconds = (trial.expires_at - now).total_seconds()
        days_left = max(0, math.ceil(seconds / 86400))
    messages_left = None if trial.max_messages is None else max(0, trial.max_messages - used.messages)
    minutes_left = (
        None
        if trial.max_voice_minutes is None
        else round(max(0.0, trial.max_voice_minutes - used.voice_minutes), 2)
    )
    return TrialStatus(
        expires_at=trial.expires_at,
        days_left=days_left,
        messages_used=used.messages,
        messages_left=messages_left,
        minutes_used=used.voice_minutes,
        minutes_left=minutes_left,
    )


def _total_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "usage", "total")


def _day_key(tenant_id: str, day: date) -> str:
    return tenant_key(tenant_id, "usage", day.isoformat())


def _today() -> date:
    return datetime.now(UTC).date()


class UsageMeter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._consume = redis.register_script(_CONSUME)

    async def _add(
        self, tenant_id: str, meter: Meter, amount: float, limit: float | None
    ) -> tuple[bool, float]:
        keys = [_total_key(tenant_id), _day_key(tenant_id, _today())]
        limit_arg = -1 if limit is None else limit
        counted, total = await self._consume(
            keys=keys, args=[meter.value, amount, limit_arg, USAGE_TTL_SECONDS]
        )
        return bool(int(counted)), float(as_str(total) or 0)

    def _expired(self, tenant: Tenant) -> bool:
        trial = tenant.trial
        return bool(trial and trial.expires_at and trial.expires_at <= datetime.now(UTC))

    async def try_consume_message(self, tenant: Tenant) -> LimitDecision:
        """Count one typed message, unless the trial forbids it (then nothing is counted)."""
        if self._expired(tenant):
            return LimitDecision(False, LimitReason.EXPIRED)
        limit = tenant.trial.max_messages if tenant.trial else None
        counted, total = await self._add(tenant.id, Meter.MESSAGES, 1, limit)
        if not counted:
            return LimitDecision(False, LimitReason.MESSAGES, 0)
        return LimitDecision(True, remaining=None if limit is None else limit - total)

    async def refund_message(self, tenant_id: str) -> None:
        """Give back a message that got no answer from any model, so a trial does not pay for it."""
        await self._add(tenant_id, Meter.MESSAGES, -1, None)

    async def voice_allowance(self, tenant: Tenant) -> LimitDecision:
        """Whether a call may start, and how many voice seconds it may use at most."""
        if self._expired(tenant):
            return LimitDecision(False, LimitReason.EXPIRED)
        if tenant.trial is None or tenant.trial.max_voice_minutes is None:
            return LimitDecision(True)
        used = float(as_str(await self._redis.hget(_total_key(tenant.id), Meter.VOICE_SECONDS.value)) or 0)
        left = tenant.trial.max_voice_minutes * 60 - used
        if left <= 0:
            return LimitDecision(False, LimitReason.VOICE, 0)
        return LimitDecision(True, remaining=left)

    async def add_voice_seconds(self, tenant_id: str, seconds: float) -> None:
        """Record a call's length (always counted: the call already happened)."""
        await self._add(tenant_id, Meter.VOICE_SECONDS, max(0.0, seconds), None)

    async def add_tool_call(self, tenant_id: str) -> None:
        await self._add(tenant_id, Meter.TOOL_CALLS, 1, None)

    async def totals(self, tenant_id: str) -> Totals:
        row = await self._redis.hgetall(_total_key(tenant_id))
        counted = {as_str(name): float(as_str(value) or 0) for name, value in row.items()}
        return Totals(
            messages=int(counted.get(Meter.MESSAGES.value, 0)),
            voice_minutes=round(counted.get(Meter.VOICE_SECONDS.value, 0) / 60, 2),
            tool_calls=int(counted.get(Meter.TOOL_CALLS.value, 0)),
        )

    async def daily(self, tenant_id: str, days: int = 30) -> list[DailyUsage]:
        """The last ``days`` days, oldest first, zeros included."""
        today = _today()
        dates = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
        async with self._redis.pipeline(transaction=False) as pipe:
            for day in dates:
                pipe.hgetall(_day_key(tenant_id, day))
            rows = await pipe.execute()
        return [
            DailyUsage(
                day=day,
                messages=int(float(row.get(Meter.MESSAGES.value, 0))),
                voice_minutes=round(float(row.get(Meter.VOICE_SECONDS.value, 0)) / 60, 2),
                tool_calls=int(float(row.get(Meter.TOOL_CALLS.value, 0))),
            )
            for day, row in zip(dates, rows, strict=True)
        ]
