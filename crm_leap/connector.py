"""Where a tenant meets its CRM: a Leap client for the tenant's decrypted token, drawing from the
token's shared rate limit, on one connection pool per destination. Sandbox tenants (the demo and
trials) reach the built-in sandbox in-process through an ASGI transport, with the same client code
that talks to the real Leap.

Knows a tenant only by the values handed in (its id, name, time zone, and whether it works the
sandbox) and reads its token through ``LeapTokens``, which the tenant store provides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from core.redis import Redis
from crm_leap.client import LeapClient
from crm_leap.company import CompanyDirectory
from crm_leap.limiter import leap_rate_limiter
from crm_leap.tools import ToolContext

SANDBOX_BASE_URL = "http://leap-sandbox/api/v3"


class LeapNotConnected(Exception):
    """The tenant has no Leap token yet."""


class LeapTokens(Protocol):
    """Where a tenant's decrypted Leap token comes from."""

    async def get_leap_token(self, tenant_id: str) -> str | None: ...


@dataclass
class LeapConnector:
    """Leap clients for tenants: the real API, or the in-process sandbox for sandbox tenants."""

    redis: Redis
    tokens: LeapTokens
    leap_base_url: str
    sandbox_app: Any | None = None
    _pools: dict[bool, httpx.AsyncClient] = field(default_factory=dict)

    def _pool(self, sandbox: bool) -> httpx.AsyncClient:
        if sandbox not in self._pools:
            if sandbox:
                if self.sandbox_app is None:
                    raise LeapNotConnected("the Leap sandbox is not running in this process")
                transport = httpx.ASGITransport(app=self.sandbox_app)
                self._pools[sandbox] = httpx.AsyncClient(transport=transport, timeout=15.0)
            else:
                self._pools[sandbox] = httpx.AsyncClient(
                    timeout=httpx.Timeout(15.0, connect=5.0),
                    limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                )
        return self._pools[sandbox]

    async def tool_context(self, tenant_id: str, *, name: str, timezone: str, sandbox: bool) -> ToolContext:
        """The CRM tools' context for this tenant; ``sandbox`` picks the built-in sandbox over Leap."""
        token = await self.tokens.get_leap_token(tenant_id)
        if token is None:
            raise LeapNotConnected(f"{name} has not connected Leap yet.")
        base_url = SANDBOX_BASE_URL if sandbox else self.leap_base_url
        client = LeapClient(
            token,
            base_url=base_url,
            limiter=leap_rate_limiter(self.redis, token),
            http=self._pool(sandbox),
        )
        company = CompanyDirectory(tenant_id, client, self.redis)
        return ToolContext(tenant_id=tenant_id, leap=client, company=company, timezone=timezone)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()
