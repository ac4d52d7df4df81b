"""What an outbound call is for, and the morning briefing Hard-E opens one with.

An outbound call carries a ``CallPurpose``. A plain check-in opens like any call ("Hey Dana,
Hard-E here"). A morning briefing opens with the day, read from the tenant's Leap and memory just
before the phone rings, so the person hears it the moment they answer: today's appointments, the
jobs that moved stage since their last briefing (or since yesterday morning), invoices past due,
and what Hard-E was told that a leader has to decide. Every date is taken from the ``now`` handed
in (the caller's clock), in the tenant's time zone.

The lines are fixed sentences built from the CRM's answers, not Claude's words: they open the call
before any model round trip, and they say exactly what Leap says.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from brain import Brain, CallContext, Channel
from core.keys import tenant_key
from crm_leap.tools import ToolContext
from tenants import Role, Tenant, User

log = logging.getLogger(__name__)

MAX_APPOINTMENTS = 8
MAX_MOVED = 6
AWARDED_JOBS = 100
"""Awarded jobs (most recently active first, one page) whose money view is read for what is owed."""
INVOICE_JOBS = 10
"""Of those, the owing jobs whose invoices are read for due dates. Leap has no company-wide
invoice list, so each costs one request of the token's 60 a minute."""
MAX_DECISIONS = 3
LEADERS = frozenset({Role.OWNER, Role.MANAGER})
LEAP_STAMP = "%Y-%m-%d %H:%M:%S"


class CallPurpose(StrEnum):
    CHECK_IN = "check_in"
    MORNING_BRIEFING = "morning_briefing"


def _last_key(tenant_id: str, user_id: str) -> str:
    return tenant_key(tenant_id, "briefing", "last", user_id)


@dataclass(frozen=True)
class Briefing:
    """The opening words of a briefing call, one part per subject, and when it was composed (the
    next one's "since"). Parts are spoken one after another, so the first is heard while the
    rest are still being synthesised."""

    parts: tuple[str, ...]
    composed_at: datetime

    @property
    def text(self) -> str:
        return " ".join(self.parts)


async def morning_briefing(brain: Brain, tenant: Tenant, user: User, *, now: datetime) -> Briefing:
    """Compose ``user``'s briefing as of ``now`` (timezone-aware) and remember when it was given."""
    zone = ZoneInfo(tenant.timezone)
    local = now.astimezone(zone)
    since = await _since(brain, tenant.id, user.id, local)
    ctx = CallContext(tenant.id, f"briefing-{user.id}", Channel.PHONE, role=user.role, user_id=user.id,
                      user_name=user.name)  # fmt: skip
    crm = (await brain.toolbox(ctx)).crm
    parts: list[str] = [f"Good morning {user.name.split()[0]}, it's Hard-E with your briefing."]
    if crm is None:
        parts.append(f"{tenant.name} has not connected Leap yet, so I have nothing from the CRM.")
    else:
        parts += await asyncio.gather(
            _section("appointments", _appointments(crm, local.date())),
            _section("stage changes", _moved(crm, since, local)),
            _section("invoices", _overdue(crm, local.date())),
        )
    if user.role in LEADERS:
        parts.append(await _decisions(brain, tenant.id))
    parts.append("What would you like to dig into?")
    await brain.redis.set(_last_key(tenant.id, user.id), now.isoformat())
    return Briefing(tuple(part for part in parts if part), now)


async def _since(brain: Brain, tenant_id: str, user_id: str, local: datetime) -> datetime:
    """The last briefing's time, or the start of yesterday (tenant's zone)."""
    raw = await brain.redis.get(_last_key(tenant_id, user_id))
    if raw:
        try:
            return datetime.fromisoformat(raw if isinstance(raw, str) else raw.decode()).astimezone(
                local.tzinfo
            )
        except ValueError:
            pass
    return datetime.combine(local.date() - timedelta(days=1), time(0), tzinfo=local.tzinfo)


async def _section(what: str, sentence: Awaitable[str]) -> str:
    """One part failing (Leap slow, an endpoint this account lacks) is said, and the rest still is."""
    try:
        return await sentence
    except Exception as error:
        log.warning("briefing: could not read the %s (%s)", what, error)
        return f"I couldn't read the {what} from Leap just now."


async def _appointments(crm: ToolContext, day: date) -> str:
    page = await crm.leap.list_appointments(
        start=f"{day.isoformat()} 00:00:00", end=f"{day.isoformat()} 23:59:59", limit=MAX_APPOINTMENTS
    )
    if not page.items:
        return "No appointments on the calendar today."
    said = [_appointment(item) for item in page.items]
    count = page.total
    head = "One appointment today:" if count == 1 else f"{count} appointments today:"
    more = "" if count <= len(said) else f" and {count - len(said)} more"
    return f"{head} {'; '.join(said)}{more}."


def _appointment(item: dict[str, Any]) -> str:
    title = str(item.get("title") or "an appointment").strip()
    if item.get("full_day"):
        return f"all day, {title}"
    start = _stamp(item.get("start_date_time"))
    return f"{_clock(start)}, {title}" if start else title


async def _moved(crm: ToolContext, since: datetime, local: datetime) -> str:
    page = await crm.leap.find_jobs(stage_changed=(since.date(), local.date()), limit=50)
    since_naive = since.replace(tzinfo=None)
    moved = [
        job for job in page.items
        if (changed := _stamp(job.get("stage_last_modified"))) is not None and changed >= since_naive
    ]  # fmt: skip
    if not moved:
        return "No jobs changed stage since the last briefing."
    said = [f"{job.get('name')} is now at {(job.get('current_stage') or {}).get('name', 'a new stage')}"
            for job in moved[:MAX_MOVED]]  # fmt: skip
    head = "One job moved stage:" if len(moved) == 1 else f"{len(moved)} jobs moved stage:"
    more = "" if len(moved) <= MAX_MOVED else f" and {len(moved) - MAX_MOVED} more"
    return f"{head} {'; '.join(said)}{more}."


async def _overdue(crm: ToolContext, today: date) -> str:
    jobs = await crm.leap.find_jobs(awarded=True, includes=("financial_details",), limit=AWARDED_JOBS)
    owing = _owing(jobs.items)[:INVOICE_JOBS]
    pages = await asyncio.gather(*(crm.leap.list_invoices(int(job["id"])) for job in owing))
    overdue: list[tuple[float, str]] = []
    for job, invoices in zip(owing, pages, strict=True):
        for invoice in invoices.items:
            balance = float(invoice.get("open_balance") or 0)
            due = _day(invoice.get("due_date"))
            if balance > 0 and due is not None and due < today:
                overdue.append((balance, f"{job.get('name')}, ${balance:,.0f} due {_spoken_day(due)}"))
    if not overdue:
        return "No invoices are overdue."
    overdue.sort(reverse=True)
    total = sum(balance for balance, _ in overdue)
    head = "One invoice is overdue:" if len(overdue) == 1 else (
        f"{len(overdue)} invoices are overdue, ${total:,.0f} in all:"
    )  # fmt: skip
    return f"{head} {'; '.join(text for _, text in overdue[:3])}."


def _owing(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The jobs whose money view says something is owed; all of them when Leap sent no money view."""
    if not any(isinstance(job.get("financial_details"), dict) for job in jobs):
        return jobs
    return [
        job for job in jobs
        if float((job.get("financial_details") or {}).get("total_amount_owed") or 0) > 0
    ]  # fmt: skip


async def _decisions(brain: Brain, tenant_id: str) -> str:
    """Company facts one person told Hard-E that a leader has not confirmed: a decision to make."""
    claims = await brain.memory.pending_claims(tenant_id)
    if not claims:
        return ""
    said = "; ".join(f'"{claim}"' for claim in claims[:MAX_DECISIONS])
    one = len(claims) == 1
    return (
        f"{'One thing needs' if one else f'{len(claims)} things need'} your call. I was told {said}. "
        f"Is {'that' if one else 'each of those'} company policy?"
    )


def _stamp(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), LEAP_STAMP)
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _clock(moment: datetime) -> str:
    """9 AM, 2:30 PM: how a person says a time."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'AM' if moment.hour < 12 else 'PM'}"


def _spoken_day(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}"
