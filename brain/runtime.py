"""The brain as a service: given who is talking, build their toolbox and conversation.

It is also where a tenant meets its CRM: a Leap client for the tenant's decrypted token, drawing
from the token's shared rate limit, on one connection pool per destination. Sandbox tenants (the
demo and trials) reach the built-in sandbox in-process through an ASGI transport, with the same
client code that talks to the real Leap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from brain.actions import ActionStore
from brain.audit import AuditLog
from brain.context import CallContext
from brain.conversation import Conversation, transcript
from brain.llm import Claude
from brain.meta import CallControl, NoCallControl
from brain.toolbox import KnowledgeSearch, ToolBox, TurnState
from core.redis import Redis
from crm_leap import CompanyDirectory, LeapClient, leap_rate_limiter
from crm_leap.tools import ToolContext
from memory import ExtractionResult, Line, MemoryExtractor, MemoryStore, Speaker
from tenants import CrmMode, Role, Tenant, TenantStore

SANDBOX_BASE_URL = "http://leap-sandbox/api/v3"


class LeapNotConnected(Exception):
    """The tenant has no Leap token yet."""


@dataclass
class LeapConnector:
    """Leap clients for tenants: the real API, or the in-process sandbox for sandbox tenants."""

    redis: Redis
    tenants: TenantStore
    leap_base_url: str
    sandbox_app: Any | None = None
    _pools: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def _pool(self, mode: CrmMode) -> httpx.AsyncClient:
        if mode not in self._pools:
            if mode is CrmMode.SANDBOX:
                if self.sandbox_app is None:
                    raise LeapNotConnected("the Leap sandbox is not running in this process")
                transport = httpx.ASGITransport(app=self.sandbox_app)
                self._pools[mode] = httpx.AsyncClient(transport=transport, timeout=15.0)
            else:
                self._pools[mode] = httpx.AsyncClient(
                    timeout=httpx.Timeout(15.0, connect=5.0),
                    limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                )
        return self._pools[mode]

    async def tool_context(self, tenant: Tenant) -> ToolContext:
        token = await self.tenants.get_leap_token(tenant.id)
        if token is None:
            raise LeapNotConnected(f"{tenant.name} has not connected Leap yet.")
        base_url = SANDBOX_BASE_URL if tenant.crm is CrmMode.SANDBOX else self.leap_base_url
        client = LeapClient(
            token,
            base_url=base_url,
            limiter=leap_rate_limiter(self.redis, token),
            http=self._pool(tenant.crm),
        )
        company = CompanyDirectory(tenant.id, client, self.redis)
        return ToolContext(tenant_id=tenant.id, leap=client, company=company, timezone=tenant.timezone)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()


@dataclass
class Brain:
    redis: Redis
    tenants: TenantStore
    claude: Claude
    leap: LeapConnector
    memory: MemoryStore
    knowledge: KnowledgeSearch | None = None

    def __post_init__(self) -> None:
        self.actions = ActionStore(self.redis)
        self.audit = AuditLog(self.redis)

    async def toolbox(
        self,
        ctx: CallContext,
        *,
        control: CallControl | None = None,
        state: TurnState | None = None,
    ) -> ToolBox:
        tenant = await self.tenants.get_tenant(ctx.tenant_id)
        try:
            crm: ToolContext | None = await self.leap.tool_context(tenant)
        except LeapNotConnected:
            crm = None
        return ToolBox(
            ctx=ctx,
            crm=crm,
            actions=self.actions,
            audit=self.audit,
            memory=self.memory,
            knowledge=self.knowledge,
            control=control or NoCallControl(),
            state=state or TurnState(),
            identify=lambda pin: self.tenants.find_user_by_pin(ctx.tenant_id, pin),
        )

    async def recall(self, ctx: CallContext) -> list[str]:
        """What to remember about this caller and the company at the start of a session."""
        return [memory.text for memory in await self.memory.recall(ctx.tenant_id, ctx.user_id)]

    async def conversation(self, ctx: CallContext) -> Conversation:
        tenant = await self.tenants.get_tenant(ctx.tenant_id)
        return Conversation(
            redis=self.redis,
            claude=self.claude,
            tenant=tenant,
            toolbox=await self.toolbox(ctx),
            memories=await self.recall(ctx),
        )

    async def learn_from(self, ctx: CallContext, transcript: list[Line]) -> ExtractionResult | None:
        """After a session ends: extract what is worth remembering (once per session)."""
        if not self.claude.configured or ctx.user_id is None:
            return None
        tenant = await self.tenants.get_tenant(ctx.tenant_id)
        speaker = Speaker(
            user_id=ctx.user_id,
            name=ctx.user_name or "the caller",
            is_leader=ctx.role in (Role.OWNER, Role.MANAGER),
        )
        extractor = MemoryExtractor(self.redis, self.memory, self.claude.client, tenant.models.voice_model)
        return await extractor.extract(ctx.tenant_id, ctx.session_id, speaker, transcript)

    async def end_conversation(self, ctx: CallContext) -> ExtractionResult | None:
        """A typed conversation is over: learn from it once, as a call does when it hangs up."""
        return await self.learn_from(ctx, await transcript(self.redis, ctx.tenant_id, ctx.session_id))

    async def aclose(self) -> None:
        await self.leap.aclose()
        await self.claude.aclose()
