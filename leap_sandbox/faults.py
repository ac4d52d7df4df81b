"""Fault injection: make chosen endpoints slow, flaky, throttled, hung or garbled on purpose.

A rule matches by method and a path pattern relative to `/api/v3` (`/jobs/{id}/notes`, `/jobs/*`,
`/**`). The first matching rule applies. A rule with `count` applies to that many matching requests
and then retires itself; a rule with `seconds` retires when that time is up. A rule that forces an
outcome (`kind`, or an `error_rate` hit) answers in place of the route, so a faulted write changes
nothing; latency alone delays the real answer.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, field_validator


class FaultKind(StrEnum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    UNAVAILABLE = "503"
    TIMEOUT = "timeout"
    MALFORMED = "malformed"


class FaultRule(BaseModel):
    """One injected fault. Also the JSON body of `POST /_sandbox/faults`."""

    method: str = Field("*", description="HTTP method to match, or `*` for any.")
    path: str = Field(
        "/**",
        description="Path under /api/v3. `*` or `{name}` matches one segment, `**` the rest of the path.",
        examples=["/jobs/{id}", "/jobs/*/notes", "/**"],
    )
    latency_ms: Annotated[int, Field(ge=0, le=600_000)] = Field(
        0, description="Delay added before answering (asynchronous: concurrent requests overlap)."
    )
    error_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.0, description="Probability that a matching request fails with a 500."
    )
    kind: FaultKind | None = Field(None, description="Forced outcome for every matching request.")
    count: Annotated[int, Field(ge=1)] | None = Field(None, description="Apply to the next N matches only.")
    seconds: Annotated[float, Field(gt=0, le=86_400)] | None = Field(
        None,
        description="Apply only during the next N seconds. With kind 429, `Retry-After` is the time left.",
    )
    retry_after: Annotated[int, Field(ge=0, le=3600)] | None = Field(
        None, description="`Retry-After` seconds on a forced 429 (default: time left of `seconds`, else 1)."
    )
    hold_seconds: Annotated[float, Field(gt=0, le=3600)] = Field(
        60.0,
        description="For `timeout`: how long to hold the request when the client does not give up first.",
    )

    @field_validator("method")
    @classmethod
    def _upper(cls, method: str) -> str:
        return method.upper()


def compile_path_pattern(pattern: str) -> re.Pattern[str]:
    regex = ""
    for segment in filter(None, pattern.strip().split("/")):
        if segment == "**":
            regex += "(?:/.*)?"
        elif segment == "*" or (segment.startswith("{") and segment.endswith("}")):
            regex += "/[^/]+"
        else:
            regex += "/" + re.escape(segment)
    return re.compile(f"^{regex}/?$")


@dataclass(slots=True)
class _ActiveRule:
    rule: FaultRule
    pattern: re.Pattern[str]
    remaining: int | None
    expires_at: float | None


@dataclass(frozen=True, slots=True)
class FaultOutcome:
    """What to do to one request: wait `latency_ms`, then answer per `kind` (None: answer normally)."""

    latency_ms: int
    kind: FaultKind | None
    hold_seconds: float
    retry_after: int


@dataclass(slots=True)
class FaultBook:
    """The active rules, consulted once per API request."""

    rng: random.Random
    clock: Callable[[], float] = time.monotonic
    _rules: list[_ActiveRule] = field(default_factory=list)

    def add(self, rule: FaultRule) -> None:
        expires_at = self.clock() + rule.seconds if rule.seconds else None
        self._rules.append(_ActiveRule(rule, compile_path_pattern(rule.path), rule.count, expires_at))

    def clear(self) -> None:
        self._rules.clear()

    def rules(self) -> list[FaultRule]:
        """The live rules, with `count` and `seconds` showing what is left of them."""
        now = self._expire()
        return [
            active.rule.model_copy(
                update={
                    "count": active.remaining,
                    "seconds": round(active.expires_at - now, 3) if active.expires_at else None,
                }
            )
            for active in self._rules
        ]

    def consult(self, method: str, path: str) -> FaultOutcome | None:
        now = self._expire()
        for active in self._rules:
            if active.rule.method not in ("*", method) or not active.pattern.match(path):
                continue
            if active.remaining is not None:
                active.remaining -= 1
                if active.remaining == 0:
                    self._rules.remove(active)
            rule = active.rule
            kind = rule.kind
            if kind is None and rule.error_rate and self.rng.random() < rule.error_rate:
                kind = FaultKind.SERVER_ERROR
            retry_after = rule.retry_after
            if retry_after is None:
                retry_after = math.ceil(active.expires_at - now) if active.expires_at else 1
            return FaultOutcome(rule.latency_ms, kind, rule.hold_seconds, retry_after)
        return None

    def _expire(self) -> float:
        now = self.clock()
        self._rules = [a for a in self._rules if a.expires_at is None or a.expires_at > now]
        return now
