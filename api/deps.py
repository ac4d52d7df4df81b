"""What the routes need, found on ``app.state.admin``: the API's view of the services that ``harde``
builds once per process (the API constructs none of them itself)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.auth_failures import FailedAuthentications
from api.conversations import ConversationOwners
from api.idempotency import IdempotencyStore
from api.limits import RateLimits
from brain import Brain
from core.blobs import BlobStore
from core.redis import Redis
from core.settings import Settings
from kb import KnowledgeBase
from memory import MemoryStore
from pipeline import BriefingSchedules, Dialer
from tenants import TenantStore, UsageMeter
from tenants.api_keys import ApiKeyStore
from tenants.audit import AuditTrail
from tenants.invites import InviteStore
from tenants.password_links import PasswordLinks
from tenants.web_sessions import WebSessions
from tenants.widget_tokens import WidgetTokens


@dataclass(frozen=True)
class AdminDeps:
    settings: Settings
    redis: Redis
    blobs: BlobStore
    tenants: TenantStore
    brain: Brain
    knowledge: KnowledgeBase
    memory: MemoryStore
    usage: UsageMeter
    keys: ApiKeyStore
    widget_tokens: WidgetTokens
    invites: InviteStore
    audit: AuditTrail
    limits: RateLimits
    idempotency: IdempotencyStore
    conversations: ConversationOwners
    auth_failures: FailedAuthentications
    web_sessions: WebSessions
    password_links: PasswordLinks
    dialer: Dialer | None = None  # outbound calls; None without a phone provider
    briefings: BriefingSchedules | None = None  # users' morning-briefing times


async def get_admin(request: Request) -> AdminDeps:
    found: AdminDeps = request.app.state.admin
    return found


Admin = Annotated[AdminDeps, Depends(get_admin)]
