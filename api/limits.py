"""Request rate limits per credential and per tenant, shared by every worker through Redis.

Each request of a tenant credential (API key or widget session) takes a token from two buckets,
its own and then its tenant's (``core.ratelimit.TokenBucket``: one atomic Lua step each, on Redis's
clock). A person signed in to the web app is limited apart from the machines: their own bucket
(all their tabs together), sized for a console page load, then their tenant's people bucket. The
two tenant buckets are separate so machines cannot starve the console nor the console the
machines; a tenant's total stays bounded by the sum of both tenant rates, however many people or
keys it makes. A request refused by any bucket gets 429 with ``Retry-After``. Every answer to a limited
request carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` (the
draft-ietf-httpapi-ratelimit-headers fields) for the tighter of the two buckets, added on the way
out by ``RateLimitHeaders`` so errors raised later in the request carry them too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import RATE_LIMITED, ApiProblem
from core.keys import tenant_key
from core.ratelimit import Decision, TokenBucket
from core.redis import Redis

_STATE_KEY = "rate_limit"
_BURST_SECONDS = 6  # a bucket holds a tenth of a minute's allowance


@dataclass(frozen=True)
class RateState:
    """What the client is told about the bucket that is closest to empty."""

    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimits:
    def __init__(
        self,
        redis: Redis,
        *,
        per_credential_per_minute: int,
        per_tenant_per_minute: int,
        per_person_per_minute: int,
        per_tenant_people_per_minute: int,
    ) -> None:
        self._redis = redis
        self._per_credential = per_credential_per_minute
        self._per_tenant = per_tenant_per_minute
        self._per_person = per_person_per_minute
        self._per_tenant_people = per_tenant_people_per_minute

    def _bucket(self, key: str, per_minute: int) -> TokenBucket:
        return TokenBucket(self._redis, key, per_minute, burst=max(1, per_minute * _BURST_SECONDS // 60))

    async def admit(self, tenant_id: str, credential: str, *, person: bool = False) -> RateState:
        """Take a slot for one request, or raise the 429 problem saying when to come back.

        ``person``: a signed-in person's web session (``credential`` is ``user:{id}``), limited in
        the people's buckets. The credential's own bucket is asked first, and the tenant's only when
        it agrees: a credential that is over its limit must not drain the allowance its colleagues
        share.
        """
        if person:
            checks = (
                ("you", self._bucket(tenant_key(tenant_id, "rl", "web", credential), self._per_person)),
                (
                    "your company's signed-in people",
                    self._bucket(tenant_key(tenant_id, "rl", "web"), self._per_tenant_people),
                ),
            )
        else:
            checks = (
                (
                    "this credential",
                    self._bucket(tenant_key(tenant_id, "rl", credential), self._per_credential),
                ),
                ("this tenant", self._bucket(tenant_key(tenant_id, "rl"), self._per_tenant)),
            )
        states: list[RateState] = []
        for who, bucket in checks:
            decision = await bucket.try_acquire()
            states.append(_state(bucket, decision))
            if not decision.allowed:
                wait = max(1, math.ceil(decision.retry_after))
                raise ApiProblem(
                    RATE_LIMITED,
                    f"Too many requests for {who}. Wait {wait} s (see Retry-After) and try again.",
                    headers={**states[-1].headers(), "Retry-After": str(wait)},
                )
        return min(states, key=lambda state: (state.remaining, -state.reset_seconds))


def _state(bucket: TokenBucket, decision: Decision) -> RateState:
    per_second = bucket.rate_per_minute / 60
    if decision.allowed:
        reset = math.ceil((bucket.burst - decision.remaining) / per_second)
    else:
        reset = math.ceil(decision.retry_after)
    return RateState(limit=bucket.burst, remaining=decision.remaining, reset_seconds=max(0, reset))


def attach(request: Request, state: RateState) -> None:
    """Keep the state on the request so ``RateLimitHeaders`` adds it to whatever is answered."""
    setattr(request.state, _STATE_KEY, state)


class RateLimitHeaders:
    """Pure ASGI middleware: adds the rate-limit fields of a limited request to its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state", {}).get(_STATE_KEY)
                if isinstance(state, RateState):
                    present = {name.lower() for name, _ in message.get("headers", [])}
                    extra = [
                        (name.lower().encode(), value.encode())
                        for name, value in state.headers().items()
                        if name.lower().encode() not in present
                    ]
                    message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
