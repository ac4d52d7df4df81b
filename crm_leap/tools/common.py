"""Small pieces several tools share: finding a job, the company clock, phone numbers, readable times."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

from crm_leap.client import JOB_DETAIL_INCLUDES
from crm_leap.company import CompanyUser
from crm_leap.errors import LeapNotFound, ToolError
from crm_leap.tools.base import ToolContext
from crm_leap.tools.views import person_name, stage_name
from crm_leap.wire import JSON

T = TypeVar("T")
LEAP_DATETIME = "%Y-%m-%d %H:%M:%S"
FAN_OUT = 4
"""Leap requests one tool keeps in flight at once when it reads many records (a report over every
job): Leap's budget is about one a second anyway, and each waiting request holds a Redis connection
for the rate limiter, so an unbounded fan-out over a big company would exhaust the pool."""
_NOT_DIGIT = re.compile(r"\D")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value.lower()


EmailAddress = Annotated[str, AfterValidator(_email)]


async def fetch_job(ctx: ToolContext, job_id: int, includes: Sequence[str] = JOB_DETAIL_INCLUDES) -> JSON:
    """A job by id, or a ``ToolError`` that says which id was not found."""
    try:
        return await ctx.leap.get_job(job_id, includes)
    except LeapNotFound:
        raise ToolError(f"There is no job with id {job_id} in Leap.") from None


def job_label(job: Mapping[str, Any]) -> str:
    """How a job is named back to the user, as a person would: "the Rodriguez roof repair" (Leap's
    job name "Rodriguez - Roof Repair"), else "the Rodriguez job". The job number only when
    nothing else names it: people ask for it when they want it, and the read tools carry it."""
    name = str(job.get("name") or "").strip()
    if name:
        return f"the {spoken_job_name(name)}"
    customer = person_name(job.get("customer"))
    if customer:
        return f"the {customer} job"
    return f"job {job.get('number') or job.get('id')}"


def spoken_job_name(name: str) -> str:
    """'Rodriguez - Roof Repair' -> 'Rodriguez roof repair': the customer part as written, the kind
    of work in lower case except words written in capitals ('TPO')."""
    name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    customer, _, work = name.partition(" - ")
    kind = [word.lower() if word[1:].islower() else word for word in work.split()]
    return " ".join([customer.strip(), *kind])


def sentence(text: str) -> str:
    """``text`` to start a sentence with ('the Rodriguez roof repair' -> 'The Rodriguez roof repair')."""
    return text[:1].upper() + text[1:]


def job_stage(job: Mapping[str, Any]) -> tuple[str | None, str | None]:
    stage = job.get("current_stage")
    code = str(stage.get("code")) if isinstance(stage, Mapping) and stage.get("code") else None
    return code, stage_name(job)


def now_local(ctx: ToolContext) -> datetime:
    """The company's wall-clock time by the context's clock, without a zone (Leap's timestamps are
    company-local)."""
    return ctx.clock().astimezone(ZoneInfo(ctx.timezone)).replace(tzinfo=None)


def today(ctx: ToolContext) -> date:
    return now_local(ctx).date()


def to_local(ctx: ToolContext, moment: datetime) -> datetime:
    """A moment as company wall-clock time: aware times are converted, naive ones are taken as local."""
    if moment.tzinfo is None:
        return moment.replace(second=0, microsecond=0)
    return moment.astimezone(ZoneInfo(ctx.timezone)).replace(tzinfo=None, second=0, microsecond=0)


def leap_time(moment: datetime) -> str:
    return moment.strftime(LEAP_DATETIME)


def parse_leap_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, LEAP_DATETIME)
    except ValueError:
        return None


def spoken_time(moment: datetime) -> str:
    """``Tue 2 Jun 2026, 2:00 PM``: unambiguous when read aloud."""
    return f"{moment:%a} {moment.day} {moment:%b %Y}, {spoken_clock(moment)}"


def spoken_clock(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


def spoken_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def day_range(start: date, end: date) -> tuple[str, str]:
    """Leap's inclusive date-time bounds for whole days."""
    return leap_time(datetime.combine(start, datetime.min.time())), leap_time(
        datetime.combine(end + timedelta(days=1), datetime.min.time()) - timedelta(seconds=1)
    )


def phone_digits(spoken: str) -> str:
    """A phone number as the digits Leap stores: no punctuation, no leading US country code."""
    digits = _NOT_DIGIT.sub("", spoken)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def spoken_phone(digits: str) -> str:
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return digits


async def resolve_users(ctx: ToolContext, spoken_names: Sequence[str]) -> list[CompanyUser]:
    """Each spoken name as one company user, in order, without repeats."""
    users: list[CompanyUser] = []
    for name in spoken_names:
        user = await ctx.company.resolve_user(name)
        if user not in users:
            users.append(user)
    return users


async def user_names(ctx: ToolContext) -> dict[int, str]:
    return {user.id: user.full_name for user in await ctx.company.users()}


def quoted(text: str, limit: int = 80) -> str:
    """A short quotation of free text for a one-line summary."""
    flat = " ".join(text.split())
    return f"'{flat}'" if len(flat) <= limit else f"'{flat[: limit - 1].rstrip()}…'"


async def gather_bounded(awaitables: Iterable[Awaitable[T]], limit: int = FAN_OUT) -> list[T]:
    """``asyncio.gather`` with at most ``limit`` of them running at once; results in order."""
    gate = asyncio.Semaphore(limit)

    async def one(awaitable: Awaitable[T]) -> T:
        async with gate:
            return await awaitable

    return list(await asyncio.gather(*(one(awaitable) for awaitable in awaitables)))
