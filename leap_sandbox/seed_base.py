"""What every part of the demo seed shares: the company being filled, the seeded randomness, the
day everything is laid out around, and small helpers for plausible times and amounts."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from leap_sandbox.dataset import Dataset
from leap_sandbox.models import Customer, Stage


def work_hours(moment: datetime) -> datetime:
    """Move a computed moment into office hours (7:00-18:59) on the same day; people work then."""
    moment = moment.replace(microsecond=0)
    return moment if 7 <= moment.hour < 19 else moment.replace(hour=7 + moment.hour % 12)


class SeedBase:
    def __init__(self, ds: Dataset, rng: random.Random, today: date) -> None:
        self.ds = ds
        self.rng = rng
        self.today = today
        self.yesterday_evening = datetime.combine(today - timedelta(days=1), time(18, 0))
        self.awarded_position = ds.awarded_stage.position

    def between(self, start: datetime, end: datetime) -> datetime:
        """A random office-hours moment in [start, end] (the bounds win when office hours cannot)."""
        if end <= start:
            return start
        return min(max(work_hours(start + (end - start) * self.rng.random()), start), end)

    def working_day(self, day: date) -> date:
        return day + timedelta(days=1) if day.weekday() == 6 else day

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.working_day(day), time(hour, minute))

    def days_ago_at(self, days: int, hour: int) -> datetime:
        """History ``days`` before today. A Sunday becomes the Saturday before, not the Monday
        after as in ``at``, so nothing that already happened is dated today or later."""
        day = self.today - timedelta(days=days)
        if day.weekday() == 6:
            day -= timedelta(days=1)
        return datetime.combine(day, time(hour))

    def money(self, low: float, high: float) -> float:
        return float(round(self.rng.uniform(low, high) / 5) * 5)

    def stage_at(self, position: int) -> Stage:
        return self.ds.stages[position - 1]

    def first_name_of(self, customer: Customer) -> str:
        return customer.first_name or customer.company_name or "the customer"
