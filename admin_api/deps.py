"""What the routes need, built once per process in the app's lifespan and found on ``app.state.admin``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from admin_api.auth_failures import FailedAuthentications
from admin_api.conversations import ConversationOwners
from admin_api.idempotency import IdempotencyStore
from admin_api.invites import InviteStore
from admin_api.keys import ApiKeyStore
from admin_api.limits import RateLimits
from brain import Brain
from core.blobs import BlobStore
from core.redis import Redis
from core.secretbox import SecretBox
from core.settings import Settings
from kb import KnowledgeBase
from pipeline import Dialer
from tenants import TenantStore, UsageMeter
from tenants.audit import ArchiveSweeper, AuditArchiver, AuditTrail
from tenants.widget_tokens import WidgetTokens


@dataclass(frozen=True)
class AdminDeps:
    settings: Settings
    redis: Redis
    blobs: BlobStore
    tenants: TenantStore
    brain: Brain
    knowledge: KnowledgeBase
    usage: UsageMeter
    keys: ApiKeyStore
    widget_tokens: WidgetTokens
    invites: InviteStore
    audit: AuditTrail
    archiver: AuditArchiver
    sweeper: ArchiveSweeper
    limits: RateLimits
    idempotency: IdempotencyStore
    conversations: ConversationOwners
    auth_failures: FailedAuthentications
    dialer: Dialer | None = None  # outbound calls; None without a phone provider

    @classmethod
    def build(
        cls,
        *,
        settings: Settings,
        redis: Redis,
        blobs: BlobStore,
        secrets: SecretBox,
        tenants: TenantStore,
        brain: Brain,
        dialer: Dialer | None = None,
    ) -> AdminDeps:
        """Everything from the app's core services; shares the brain's knowledge base when it has one."""
        knowledge = (
            brain.knowledge if isinstance(brain.knowledge, KnowledgeBase) else KnowledgeBase(redis, blobs)
        )
        archiver = AuditArchiver(redis, blobs)
        return cls(
            settings=settings,
            redis=redis,
            blobs=blobs,
            tenants=tenants,
            brain=brain,
            knowledge=knowledge,
            usage=UsageMeter(redis),
            keys=ApiKeyStore(redis),
            widget_tokens=WidgetTokens(
                secrets, redis, tenants, session_limit=timedelta(hours=settings.widget_session_max_hours)
            ),
            invites=InviteStore(redis),
            audit=AuditTrail(redis, blobs),
            archiver=archiver,
            sweeper=ArchiveSweeper(archiver, tenants),
            limits=RateLimits(
                redis,
                per_credential_per_minute=settings.api_key_rate_per_minute,
                per_tenant_per_minute=settings.api_tenant_rate_per_minute,
            ),
            idempotency=IdempotencyStore(redis),
            conversations=ConversationOwners(redis),
            auth_failures=FailedAuthentications(redis, max_failures=settings.auth_failures_per_window),
            dialer=dialer,
        )

    def start(self) -> None:
        """Start background work (audit archiving); call from the lifespan once the loop runs."""
        self.sweeper.start()

    async def aclose(self) -> None:
        await self.sweeper.aclose()


async def get_admin(request: Request) -> AdminDeps:
    found: AdminDeps = request.app.state.admin
    return found


Admin = Annotated[AdminDeps, Depends(get_admin)]
