"""The composition: every service of the process built once, and the narrow view each door gets.

``build_services`` is the one place that constructs the process's stores, meters, brain and
background work from the settings; the app's lifespan calls it (and so does anything that wants
the whole app). Each door then gets only its own container, made of those same instances:
``PipelineDeps`` for the one call pipeline, ``TelephonyDeps`` (Twilio), ``WebRTCDeps`` (browser
calls) and ``AdminDeps`` (the REST API). No door builds a shared service itself, and no door
reaches into another: the one thing the API borrows from telephony (placing outbound calls) is
handed over here as a ``pipeline.Dialer``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI

from api import AdminDeps
from api.auth_failures import FailedAuthentications
from api.conversations import ConversationOwners
from api.idempotency import IdempotencyStore
from api.limits import RateLimits
from brain import Brain, CallContext, Claude, LeapConnector
from core.blobs import BlobStore, blob_store_from_settings
from core.redis import Redis
from core.secretbox import SecretBox, secret_box_from_settings
from core.settings import Settings
from harde.knowledge import knowledge_base
from kb import KnowledgeBase
from memory import Line, MemoryStore
from pipeline import (
    BriefingScheduler,
    BriefingSchedules,
    CallSessions,
    MemoryHook,
    PipelineDeps,
    SpeechVocabulary,
)
from telephony import TelephonyDeps, TwilioRest
from telephony.outbound import TwilioDialer
from tenants import TenantStore, UsageMeter
from tenants.api_keys import ApiKeyStore
from tenants.audit import ArchiveSweeper, AuditArchiver, AuditTrail
from tenants.invites import InviteStore
from tenants.password_links import PasswordLinks
from tenants.web_sessions import WebSessions
from tenants.widget_tokens import WidgetTokens
from webrtc import WebRTCDeps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """Everything the process runs, each built once; and the doors' views of it."""

    settings: Settings
    redis: Redis
    blobs: BlobStore
    secrets: SecretBox
    tenants: TenantStore
    knowledge: KnowledgeBase
    brain: Brain
    usage: UsageMeter
    widget_tokens: WidgetTokens
    audit: AuditTrail
    audit_sweeper: ArchiveSweeper
    twilio: TwilioRest | None
    briefings: BriefingScheduler | None  # None without Twilio: no one can be called
    pipeline: PipelineDeps
    telephony: TelephonyDeps
    webrtc: WebRTCDeps
    admin: AdminDeps

    def start(self) -> None:
        """Start background work (audit archiving, morning briefings); call once the event loop runs."""
        self.audit_sweeper.start()
        if self.briefings is not None:
            self.briefings.start()

    async def aclose(self) -> None:
        """Stop in order: browser calls wrap up first (transcript, usage, memory), then the rest."""
        await self.webrtc.calls.aclose()
        if self.pipeline.vocabulary is not None:
            await self.pipeline.vocabulary.aclose()
        self.knowledge.close()  # uploads still being read are refused, their workers killed
        await self.audit_sweeper.aclose()
        if self.briefings is not None:
            await self.briefings.aclose()
        if self.twilio is not None:
            await self.twilio.aclose()
        await self.brain.aclose()


def twilio_rest(settings: Settings) -> TwilioRest | None:
    """Twilio's REST API when its credentials are set (transfers, outbound calls); else None."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    token = settings.twilio_auth_token.get_secret_value()
    return TwilioRest(settings.twilio_account_sid, token, base_url=settings.twilio_api_base_url)


def _learning(brain: Brain) -> MemoryHook:
    """After each call: what was worth remembering goes to memory (once per session)."""

    async def learn(ctx: CallContext, transcript: Sequence[Line]) -> None:
        await brain.learn_from(ctx, list(transcript))

    return learn


def build_services(settings: Settings, redis: Redis, *, sandbox: FastAPI) -> Services:
    """Every service, from the settings and an open Redis; ``sandbox`` is the Leap emulator that
    sandbox tenants (demo, trials) work. ``aclose`` the result when done."""
    secrets = secret_box_from_settings(settings)
    blobs = blob_store_from_settings(settings)
    tenants = TenantStore(redis, secrets, blobs=blobs)
    knowledge = knowledge_base(settings, redis, blobs)
    memory = MemoryStore(redis)
    api_key = settings.anthropic_api_key
    claude = Claude(api_key.get_secret_value() if api_key else None, base_url=settings.anthropic_base_url)
    brain = Brain(
        redis=redis,
        tenants=tenants,
        claude=claude,
        leap=LeapConnector(redis, tenants, leap_base_url=settings.leap_base_url, sandbox_app=sandbox),
        memory=memory,
        knowledge=knowledge,
    )
    usage = UsageMeter(redis)
    widget_tokens = WidgetTokens(
        secrets, redis, tenants, session_limit=timedelta(hours=settings.widget_session_max_hours)
    )
    audit = AuditTrail(redis, blobs)
    sweeper = ArchiveSweeper(AuditArchiver(redis, blobs), tenants)
    twilio = twilio_rest(settings)

    pipeline = PipelineDeps(
        brain=brain,
        tenants=tenants,
        claude=claude,
        sessions=CallSessions(redis),
        usage=usage,
        blobs=blobs,
        settings=settings,
        extract_memories=_learning(brain),
        vocabulary=SpeechVocabulary(redis, knowledge=knowledge),
    )
    telephony = TelephonyDeps(
        settings=settings, redis=redis, tenants=tenants, usage=usage, pipeline=pipeline, rest=twilio
    )
    webrtc = WebRTCDeps.build(
        settings=settings, redis=redis, tenants=tenants, usage=usage, widget_tokens=widget_tokens,
        pipeline=pipeline,
    )  # fmt: skip
    dialer = TwilioDialer(telephony) if twilio is not None else None
    schedules = BriefingSchedules(redis)
    admin = AdminDeps(
        settings=settings,
        redis=redis,
        blobs=blobs,
        tenants=tenants,
        brain=brain,
        knowledge=knowledge,
        memory=memory,
        usage=usage,
        keys=ApiKeyStore(redis),
        widget_tokens=widget_tokens,
        invites=InviteStore(redis),
        audit=audit,
        limits=RateLimits(
            redis,
            per_credential_per_minute=settings.api_key_rate_per_minute,
            per_tenant_per_minute=settings.api_tenant_rate_per_minute,
            per_person_per_minute=settings.web_session_rate_per_minute,
            per_tenant_people_per_minute=settings.web_tenant_rate_per_minute,
        ),
        idempotency=IdempotencyStore(redis),
        conversations=ConversationOwners(redis),
        auth_failures=FailedAuthentications(
            redis,
            max_failures=settings.auth_failures_per_window,
            max_account_failures=settings.sign_in_failures_per_account,
        ),
        web_sessions=WebSessions(redis),
        password_links=PasswordLinks(redis),
        dialer=dialer,
        briefings=schedules,
    )
    return Services(
        settings=settings,
        redis=redis,
        blobs=blobs,
        secrets=secrets,
        tenants=tenants,
        knowledge=knowledge,
        brain=brain,
        usage=usage,
        widget_tokens=widget_tokens,
        audit=audit,
        audit_sweeper=sweeper,
        twilio=twilio,
        briefings=BriefingScheduler(schedules, tenants, dialer) if dialer is not None else None,
        pipeline=pipeline,
        telephony=telephony,
        webrtc=webrtc,
        admin=admin,
    )
