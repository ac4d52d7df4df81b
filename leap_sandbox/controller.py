"""The `Sandbox` controller: per-token datasets, the rate limiter, faults and the request log.

Reachable as `app.state.sandbox`; tests and the control routes drive the emulator through it.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import OrderedDict
from datetime import date
from typing import Any, TypeVar

from leap_sandbox import presenters_activity
from leap_sandbox.clock import company_now
from leap_sandbox.dataset import Dataset
from leap_sandbox.faults import FaultBook, FaultRule
from leap_sandbox.ratelimit import RateLimiter
from leap_sandbox.request_log import RequestLog, RequestRecord
from leap_sandbox.seed import build_demo_company

_Number = TypeVar("_Number", int, float)
MAX_DATASETS = 256
"""Companies kept in memory (about 0.6 MB each). Past this, the least recently used one is dropped and
reseeded on its next request, so unknown tokens cannot grow the process without bound."""

TOKEN_PATTERN = re.compile(r"^sandbox_[A-Za-z0-9_-]{8,}$")


def token_id(token: str) -> str:
    """A stable, non-reversible name for a token, safe to show in logs and control answers."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def is_sandbox_token(token: str) -> bool:
    return TOKEN_PATTERN.fullmatch(token) is not None


class Sandbox:
    """One emulator instance. Every token owns an isolated copy of the demo company."""

    def __init__(
        self, *, seed: int = 7, rate_limit_per_minute: int = 60, rate_limit_window_seconds: float = 60.0
    ) -> None:
        self.seed = seed
        self.limiter = RateLimiter(_positive(rate_limit_per_minute), _positive(rate_limit_window_seconds))
        self.faults = FaultBook(random.Random(seed))
        self.log = RequestLog()
        self.http_control_enabled = True
        """Set False where the control routes must not be reachable (e.g. a public deployment)."""
        self.max_datasets = MAX_DATASETS
        self._datasets: OrderedDict[str, Dataset] = OrderedDict()
        self._without_unpublished: set[str] = set()

    # -- data ---------------------------------------------------------------------------------------

    def dataset(self, token: str) -> Dataset:
        """The token's company, seeded on first use (same seed and day -> same data)."""
        key = token_id(token)
        found = self._datasets.get(key)
        if found is None:
            found = self._datasets[key] = build_demo_company(self.seed, self._today())
            if len(self._datasets) > self.max_datasets:
                self._datasets.popitem(last=False)
        self._datasets.move_to_end(key)
        return found

    def set_unpublished(self, token: str, *, enabled: bool) -> None:
        """Switch the routes Leap does not publish on or off for one token (on by default): off, the
        token's company behaves like a Leap account whose API lacks them (404 Not found)."""
        if enabled:
            self._without_unpublished.discard(token_id(token))
        else:
            self._without_unpublished.add(token_id(token))

    def has_unpublished(self, token: str) -> bool:
        return token_id(token) not in self._without_unpublished

    def reset(self, token: str | None = None) -> None:
        """Reseed one token's data (and refill its request budget), or everyone's."""
        if token is None:
            self._datasets.clear()
            self.limiter.forget()
        else:
            self._datasets.pop(token_id(token), None)
            self.limiter.forget(token_id(token))

    @staticmethod
    def _today() -> date:
        return company_now().date()

    # -- rate limit ---------------------------------------------------------------------------------

    @property
    def rate_limit_per_minute(self) -> int:
        """Requests allowed per token per window (the window is a minute unless changed)."""
        return self.limiter.limit

    @rate_limit_per_minute.setter
    def rate_limit_per_minute(self, value: int) -> None:
        self.limiter.limit = _positive(value)

    @property
    def rate_limit_window_seconds(self) -> float:
        return self.limiter.window_seconds

    @rate_limit_window_seconds.setter
    def rate_limit_window_seconds(self, value: float) -> None:
        self.limiter.window_seconds = _positive(value)

    # -- faults -------------------------------------------------------------------------------------

    def add_fault(self, rule: FaultRule) -> None:
        self.faults.add(rule)

    def clear_faults(self) -> None:
        self.faults.clear()

    def fault_rules(self) -> list[FaultRule]:
        return self.faults.rules()

    # -- observation --------------------------------------------------------------------------------

    def requests(self, token: str | None = None) -> list[RequestRecord]:
        return self.log.records(token_id(token) if token is not None else None)

    def clear_requests(self) -> None:
        self.log.clear()

    def notifications(self, token: str) -> list[dict[str, Any]]:
        """Notifications the token's company generated (mentions in notes), oldest first."""
        ds = self.dataset(token)
        return [presenters_activity.notification(ds, n) for n in ds.notifications.values()]

    def outbox(self, token: str) -> dict[str, list[dict[str, Any]]]:
        """Emails and texts sent through the API (not the seeded history), oldest first."""
        ds = self.dataset(token)
        return {
            "emails": [
                presenters_activity.email(ds.emails[i]) for i in ds.outbox_email_ids if i in ds.emails
            ],
            "texts": [
                presenters_activity.sms_message(ds, ds.sms_messages[i])
                for i in ds.outbox_sms_ids
                if i in ds.sms_messages
            ],
        }

    def webhook_events(self, token: str) -> list[dict[str, Any]]:
        return list(self.dataset(token).webhook_events)


def _positive(value: _Number) -> _Number:
    if value <= 0:
        raise ValueError(f"rate limit settings must be positive, got {value}")
    return value
