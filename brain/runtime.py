"""The brain as a service: given who is talking, build their toolbox and conversation.

A tenant meets its CRM through ``crm_leap``'s ``LeapConnector``: the brain tells it which Leap the
tenant works (the real one or the built-in sandbox) and gets back the CRM tools' context.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from brain.actions import ActionStore
from brain.context import CallContext
from brain.conversation import Conversation, transcript
from brain.history import SessionLog
from brain.llm import Claude
from brain.meta import CallControl, NoCallControl
from brain.prompt import Style
from brain.toolbox import KnowledgeSearch, ToolBox, TurnState
from brain.turn_context import TurnContextService
from core.redis import Redis
from crm_leap import LeapConnector, LeapNotConnected
from crm_leap.tools import ToolContext
from memory import ExtractionResult, Line, MemoryExtractor, MemoryStore, Speaker
from tenants import CrmMode, Role, Tenant, TenantStore
from tenants.audit import AuditLog


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
        self.history = SessionLog(self.redis)

    async def toolbox(
        self,
        ctx: CallContext,
        *,
        control: CallControl | None = None,
        state: TurnState | None = None,
    ) -> ToolBox:
        tenant = await self.tenants.get_tenant(ctx.tenant_id)
        try:
            crm: ToolContext | None = await self.leap.tool_context(
                tenant.id, name=tenant.name, timezone=tenant.timezone, sandbox=tenant.crm is CrmMode.SANDBOX
            )
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
            history=self.history,
        )

    async def recall(self, ctx: CallContext) -> list[str]:
        """What to remember about this caller and the company at the start of a session."""
        return [memory.text for memory in await self.memory.recall(ctx.tenant_id, ctx.user_id)]

    def turn_context(
        self, ctx: CallContext, tenant: Tenant, *, keeps_earlier_turns: bool, wait_s: float | None = None
    ) -> TurnContextService:
        """What Claude knows each turn of ``ctx``'s session; every channel asks this one service
        (see ``brain.turn_context`` for ``keeps_earlier_turns`` and ``wait_s``)."""
        return TurnContextService(
            tenant=tenant,
            style=Style.VOICE if ctx.is_voice else Style.TEXT,
            memory=self.memory,
            knowledge=self.knowledge,
            keeps_earlier_turns=keeps_earlier_turns,
            wait_s=wait_s,
        )

    async def conversation(self, ctx: CallContext) -> Conversation:
        tenant = await self.tenants.get_tenant(ctx.tenant_id)
        return Conversation(
            redis=self.redis,
            claude=self.claude,
            tenant=tenant,
            toolbox=await self.toolbox(ctx),
            # The system prompt is rebuilt every turn, so every turn carries all the facts.
            context=self.turn_context(ctx, tenant, keeps_earlier_turns=False),
            history=self.history,
        )

    async def learn_from(self, ctx: CallContext, transcript: list[Line]) -> ExtractionResult | None:
        """After a session ends: extract what is worth remembering (once per session), and keep
        the session's short summary beside its record."""
        if not self.claude.configured or ctx.user_id is None:
            return None
        tenant = await self.tenants.get_tenant(ctx.tenant_id)
        speaker = Speaker(
            user_id=ctx.user_id,
            name=ctx.user_name or "the caller",
            is_leader=ctx.role in (Role.OWNER, Role.MANAGER),
        )
        extractor = MemoryExtractor(self.redis, self.memory, self.claude.client, tenant.models.voice_model)
        result = await extractor.extract(ctx.tenant_id, ctx.session_id, speaker, transcript)
        await self.history.summarized(ctx.tenant_id, ctx.session_id, result.summary)
        return result

    async def end_conversation(self, ctx: CallContext) -> ExtractionResult | None:
        """A typed conversation is over: learn from it once, as a call does when it hangs up."""
        if (await self.history.fields(ctx.tenant_id, ctx.session_id)).get("status") == "live":
            await self.history.finish(ctx, datetime.now(UTC))
        return await self.learn_from(ctx, await transcript(self.redis, ctx.tenant_id, ctx.session_id))

    async def aclose(self) -> None:
        await self.leap.aclose()
        await self.claude.aclose()
