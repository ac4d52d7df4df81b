"""A tenant's progress through the guided onboarding, so an owner can stop and come back later.

The steps are fixed and ordered (``STEPS``); each is ``todo`` until someone marks it ``done`` or
``skipped``. Progress is one hash, ``t:{tenant}:onboarding`` (step id -> status), so marking one
step is a single atomic write that never loses another step marked at the same time from a
second tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from core.keys import tenant_key
from core.redis import Redis, as_str


class StepStatus(StrEnum):
    TODO = "todo"
    DONE = "done"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Step:
    id: str
    title: str


STEPS: Final = (
    Step("company", "Your company"),
    Step("leap", "Connect Leap"),
    Step("personality", "Hard-E's personality"),
    Step("knowledge", "Your documents"),
    Step("team", "Your team"),
    Step("talk", "Talk to Hard-E"),
)
STEP_IDS: Final = tuple(step.id for step in STEPS)


@dataclass(frozen=True)
class Progress:
    steps: tuple[tuple[Step, StepStatus], ...]

    @property
    def next(self) -> str | None:
        """The first step still to do; None once every step is done or skipped."""
        return next((step.id for step, status in self.steps if status is StepStatus.TODO), None)


def _key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "onboarding")


class Onboarding:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def progress(self, tenant_id: str) -> Progress:
        raw = await self._redis.hgetall(_key(tenant_id))
        marked = {as_str(name): as_str(value) for name, value in raw.items()}
        return Progress(tuple((step, StepStatus(marked.get(step.id) or StepStatus.TODO)) for step in STEPS))

    async def mark(self, tenant_id: str, step_id: str, status: StepStatus) -> Progress:
        """Mark one step; ValueError for a step that does not exist."""
        if step_id not in STEP_IDS:
            raise ValueError(f"there is no onboarding step {step_id!r}; the steps are {', '.join(STEP_IDS)}")
        await self._redis.hset(_key(tenant_id), step_id, status.value)
        return await self.progress(tenant_id)
