"""Company-local time and Leap's text formats.

Leap speaks `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD` strings without a zone; the emulator uses the demo
company's local time (Denver) so that "today" and "upcoming" mean what a caller in that company means.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

COMPANY_TIMEZONE = ZoneInfo("America/Denver")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"


def company_now() -> datetime:
    """The current wall-clock time in the company's zone, naive, to the second (as Leap stores it)."""
    return datetime.now(COMPANY_TIMEZONE).replace(tzinfo=None, microsecond=0)


def format_timestamp(value: datetime | None) -> str | None:
    return value.strftime(TIMESTAMP_FORMAT) if value is not None else None


def format_date(value: date | None) -> str | None:
    return value.strftime(DATE_FORMAT) if value is not None else None


def parse_timestamp(text: str) -> datetime | None:
    """Parse `Y-m-d H:i:s` strictly; None when the text does not match."""
    try:
        return datetime.strptime(text, TIMESTAMP_FORMAT)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """Parse `Y-m-d` strictly; None when the text does not match."""
    try:
        return datetime.strptime(text, DATE_FORMAT).date()
    except ValueError:
        return None


def parse_date_or_timestamp(text: str) -> datetime | None:
    """Filters accept either form (§8: `start_date` may carry a time); a bare date means midnight."""
    stamp = parse_timestamp(text)
    if stamp is not None:
        return stamp
    day = parse_date(text)
    return datetime(day.year, day.month, day.day) if day is not None else None
