"""Fault injection: make chosen endpoints slow, flaky, throttled, hung or garbled on purpose.

A rule matches by method and a path pattern relative to `/api/v3` (`/jobs/{id}/notes`, `/jobs/*`,
`/**`). The first matching rule applies. A rule with `count` applies to that many matching requests
and then retires itself.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, field_validator


class FaultKind(StrEnum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
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
        0, description="Delay added before answering."
    )
    error_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.0, description="Probability that a matching request fails with a 500."
    )
    kind: FaultKind | None = Field(None, description="Forced outcome for every matching request.")
    count: Annotated[int, Field(ge=1)] | None = Field(None, description="Apply to the next N matches only.")
    hold_seconds: Annotated[float, Field(gt=0, le=3600)] = Field(
        60.0,
        description="For `timeout`: how long to hold the request when the client does not give up first.",
    )

    @field_validator("method")
    @classmethod
    def _upper(cls, method: str) -> str:
        return method.upper()

    def compiled(self) -> re.Pattern[str]:
        return _compile(self.path)


def _compile(pattern: str) -> re.Pattern[str]:
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


@dataclass(frozen=True, slots=True)
class FaultOutcome:
    """What to do to one request: wait `latency_ms`, then answer per `kind` (None: answer normally)."""

    latency_ms: int
    kind: FaultKind | None
    hold_seconds: float


@dataclass(slots=True)
class FaultBook:
    """The active rules, consulted once per API request."""

    rng: random.Random
    _rules: list[_ActiveRule] = field(default_factory=list)

    def add(self, rule: FaultRule) -> None:
        self._rules.append(_ActiveRule(rule, rule.compiled(), rule.count))

    def clear(self) -> None:
        self._rules.clear()

    def rules(self) -> list[FaultRule]:
        return [active.rule.model_copy(update={"count": active.remaining}) for active in self._rules]

    def consult(self, method: str, path: str) -> FaultOutcome | None:
        for active in self._rules:
            if active.rule.method not in ("*", method) or not active.pattern.match(path):
                continue
            if active.remaining is not None:
                active.remaining -= 1
                if active.remaining == 0:
                    self._rules.remove(active)
            kind = active.rule.kind
            if kind is None and active.rule.error_rate and self.rng.random() < active.rule.error_rate:
                kind = FaultKind.SERVER_ERROR
            return FaultOutcome(active.rule.latency_ms, kind, active.rule.hold_seconds)
        return None
