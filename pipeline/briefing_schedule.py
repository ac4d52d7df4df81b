"""When each user wants their morning briefing, and placing the briefings that are due, once.

A user's briefing time is a local time of day in the tenant's time zone, kept in one hash per
tenant (``t:{tenant}:briefing:schedule``, field = user id). ``place_due_briefings`` is the whole
scheduler: for every scheduled user whose time has come today (and not more than
``LATE_WINDOW`` ago: a briefing after lunch is no briefing), it claims the day with one
``SET NX`` (``t:{tenant}:briefing:placed:{user}:{date}``) and only the worker that won the claim
places the call. Two workers, or two app replicas, ticking at the same moment place it once.

``BriefingScheduler`` runs it every ``TICK_SECS`` in ``harde serve``. The clock is handed in, so
tests choose the moment; nothing here reads today's date by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.keys import tenant_key
from core.periodic import Periodic
from core.redis import Redis, as_str
from pipeline.briefing import CallPurpose
from pipeline.control import CallNotPlaced, Dialer
from tenants import TenantStore

log = logging.getLogger(__name__)

TICK_SECS = 30.0
LATE_WINDOW = timedelta(hours=2)
CLAIM_TTL_SECS = 3 * 24 * 3600

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _schedule_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "briefing", "schedule")


def _claim_key(tenant_id: str, user_id: str, day: str) -> str:
    return tenant_key(tenant_id, "briefing", "placed", user_id, day)


@dataclass(frozen=True)
class PlacedBriefing:
    tenant_id: str
    user_id: str
    call_sid: str


class BriefingSchedules:
    """Each user's daily briefing time (tenant's local time)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def set(self, tenant_id: str, user_id: str, at: time) -> None:
        await self._redis.hset(_schedule_key(tenant_id), user_id, at.strftime("%H:%M"))

    async def clear(self, tenant_id: str, user_id: str) -> bool:
        return bool(await self._redis.hdel(_schedule_key(tenant_id), user_id))

    async def get(self, tenant_id: str, user_id: str) -> time | None:
        raw = as_str(await self._redis.hget(_schedule_key(tenant_id), user_id))
        return time.fromisoformat(raw) if raw else None

    async def of_tenant(self, tenant_id: str) -> dict[str, time]:
        raw = await self._redis.hgetall(_schedule_key(tenant_id))
        return {str(as_str(user)): time.fromisoformat(str(as_str(at))) for user, at in raw.items()}

    async def claim(self, tenant_id: str, user_id: str, day: str) -> bool:
        """True for exactly one caller per user and day, across every worker."""
        return bool(
            await self._redis.set(_claim_key(tenant_id, user_id, day), "1", nx=True, ex=CLAIM_TTL_SECS)
        )


async def place_due_briefings(
    schedules: BriefingSchedules, tenants: TenantStore, dialer: Dialer, now: datetime
) -> list[PlacedBriefing]:
    """Place every briefing due at ``now`` (timezone-aware) that no worker has placed today."""
    placed = []
    for tenant in await tenants.list_tenants():
        local = now.astimezone(ZoneInfo(tenant.timezone))
        wanted = await schedules.of_tenant(tenant.id)
        if not wanted:
            continue
        people = {user.id for user in await tenants.list_users(tenant.id)}
        for user_id, at in wanted.items():
            if user_id not in people:  # removed since: forget their time
                await schedules.clear(tenant.id, user_id)
                continue
            due = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
            if not due <= local < due + LATE_WINDOW:
                continue
            if not await schedules.claim(tenant.id, user_id, local.date().isoformat()):
                continue
            try:
                call_sid = await dialer.call_user(tenant.id, user_id, CallPurpose.MORNING_BRIEFING)
            except CallNotPlaced as error:
                log.warning("morning briefing for %s at %s not placed: %s", user_id, tenant.id, error)
                continue
            except Exception:
                log.exception("morning briefing for %s at %s failed", user_id, tenant.id)
                continue
            placed.append(PlacedBriefing(tenant.id, user_id, call_sid))
    return placed


class BriefingScheduler:
    """Runs ``place_due_briefings`` every ``tick_s`` while the app runs."""

    def __init__(
        self,
        schedules: BriefingSchedules,
        tenants: TenantStore,
        dialer: Dialer,
        *,
        clock: Clock = utc_now,
        tick_s: float = TICK_SECS,
    ) -> None:
        self._schedules, self._tenants, self._dialer = schedules, tenants, dialer
        self._clock = clock
        self._loop = Periodic("the briefing scheduler", self.tick, tick_s)

    async def tick(self) -> list[PlacedBriefing]:
        return await place_due_briefings(self._schedules, self._tenants, self._dialer, self._clock())

    def start(self) -> None:
        self._loop.start()

    async def aclose(self) -> None:
        await self._loop.aclose()
