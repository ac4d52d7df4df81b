"""Failed authentication: each one a security event in the log, and throttled per client address.

A refused credential (an operator token, API key or widget token that is wrong, revoked, expired
or malformed, or an invite code that does not work) is logged on the ``harde.security`` logger with
the client's address and the kind of credential, never the credential itself, and counted under
the address in Redis (one atomic step: ``INCR`` and, for the first failure, the window's expiry).
An address that has failed ``HARDE_AUTH_FAILURES_PER_WINDOW`` times (default 20) within the
15-minute window is refused with 429 and ``Retry-After`` until the window ends, before its
credential is even looked at, so a right guess is not told apart from a wrong one; the log says
who it was.

Nothing is slowed down: an address that has not failed costs one Redis round trip per request,
and no request ever sleeps. Failures are counted as they happen, so requests already in flight
when an address reaches the limit still get their answer: a burst sent all at once can overshoot
the limit by the number in flight, and the address is blocked after it. Behind a proxy the
address is the one uvicorn reads from ``X-Forwarded-For`` of a trusted proxy
(``FORWARDED_ALLOW_IPS``, loopback by default).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
from typing import Final

from starlette.requests import Request

from api.problems import RATE_LIMITED, ApiProblem
from core.keys import auth_failures, sign_in_failures
from core.redis import Redis

security_log = logging.getLogger("harde.security")

WINDOW_SECONDS: Final = 15 * 60

_COUNT_SCRIPT: Final = """
local failures = redis.call('INCR', KEYS[1])
if failures == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return failures
"""


def client_address(request: Request) -> str:
    """Who sent the request; an IPv6 client counts as its /64, which one machine usually holds whole."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class FailedAuthentications:
    """Counts failed authentications per client address (and wrong passwords per account), shared by
    every worker through Redis."""

    def __init__(
        self,
        redis: Redis,
        *,
        max_failures: int,
        max_account_failures: int = 10,
        window_seconds: int = WINDOW_SECONDS,
    ) -> None:
        self._redis = redis
        self._max_failures = max_failures
        self._max_account_failures = max_account_failures
        self._window_seconds = window_seconds
        self._count = redis.register_script(_COUNT_SCRIPT)

    async def check(self, request: Request) -> None:
        """Raise the 429 problem if the request's address has used up its failures for this window."""
        wait = await self._blocked_for(_key(client_address(request)), self._max_failures)
        if wait is not None:
            raise ApiProblem(
                RATE_LIMITED,
                f"Too many failed sign-in attempts from your address. Wait {wait} s (see Retry-After), "
                "then try again with a valid credential.",
                headers={"Retry-After": str(wait)},
            )

    async def check_account(self, email: str) -> None:
        """Raise the 429 problem if ``email`` has had too many wrong passwords in this window."""
        wait = await self._blocked_for(_account_key(email), self._max_account_failures)
        if wait is not None:
            raise ApiProblem(
                RATE_LIMITED,
                f"Too many wrong passwords for this email. Wait {wait} s (see Retry-After), or ask an "
                "owner or manager of your company for a sign-in link.",
                headers={"Retry-After": str(wait)},
            )

    async def record_account(self, request: Request, email: str, account: str) -> None:
        """Count a wrong password for ``email`` (``account`` names it in the log, never the email)."""
        failures = int(await self._count(keys=[_account_key(email)], args=[self._window_seconds]))
        if failures == self._max_account_failures:
            security_log.warning(
                "sign-in for %s blocked: %d wrong passwords within %d min (the last from %s); it gets 429 "
                "until the window ends",
                account,
                failures,
                self._window_seconds // 60,
                client_address(request),
            )

    async def clear_account(self, email: str) -> None:
        """The right password: the account's count starts over."""
        await self._redis.delete(_account_key(email))

    async def _blocked_for(self, key: str, limit: int) -> int | None:
        """Seconds until ``key``'s window ends, if it has reached ``limit`` failures; else None."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.pttl(key)
            failures, ttl_ms = await pipe.execute()
        if failures is None or int(failures) < limit:
            return None
        return max(1, math.ceil(int(ttl_ms) / 1000))

    async def record(self, request: Request, credential: str, reason: str) -> None:
        """Count one failure of ``credential`` (its kind, e.g. "API key") and log it as a security event."""
        address = client_address(request)
        failures = int(await self._count(keys=[_key(address)], args=[self._window_seconds]))
        security_log.warning(
            "failed authentication: %s refused (%s) from %s on %s %s; failure %d from this address in "
            "%d min (it is blocked at %d)",
            credential,
            reason,
            address,
            request.method,
            request.url.path,
            failures,
            self._window_seconds // 60,
            self._max_failures,
        )
        if failures == self._max_failures:
            security_log.warning(
                "blocked %s: %d failed authentications within %d min; its requests get 429 until the "
                "window ends",
                address,
                failures,
                self._window_seconds // 60,
            )


def _key(address: str) -> str:
    return auth_failures(address)


def _account_key(email: str) -> str:
    return sign_in_failures(hashlib.sha256(email.strip().lower().encode()).hexdigest())
