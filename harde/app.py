"""The FastAPI application: wires core services, tenants and the entry packages together."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi_offline import FastAPIOffline

import telephony
import webrtc
from admin_api import AdminDeps, install_admin_api
from brain import Brain, CallContext, Claude, LeapConnector
from core.blobs import BlobError, BlobStore, blob_store_from_settings
from core.logs import configure_logging
from core.redis import Redis, open_redis
from core.secretbox import SecretBox, secret_box_from_settings
from core.settings import Settings, get_settings
from harde.knowledge import knowledge_base
from harde.landing import landing_page
from harde.widget import demo_widget_url
from harde.widget import router as widget_router
from leap_sandbox import create_sandbox_app
from memory import Line, MemoryStore
from pipeline import MemoryHook, PipelineDeps, load_models
from telephony import TelephonyDeps, TwilioRest
from telephony.outbound import TwilioDialer
from tenants import DEMO_TENANT_ID, TenantStore, UsageMeter, ensure_demo_tenant
from webrtc import WebRTCDeps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """Everything a request handler may need, built once per process in the lifespan."""

    settings: Settings
    redis: Redis
    blobs: BlobStore
    secrets: SecretBox
    tenants: TenantStore
    brain: Brain


def services(request: Request) -> Services:
    """FastAPI dependency: the process's services."""
    found: Services = request.app.state.services
    return found


def _twilio_rest(settings: Settings) -> TwilioRest | None:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    token = settings.twilio_auth_token.get_secret_value()
    return TwilioRest(settings.twilio_account_sid, token, base_url=settings.twilio_api_base_url)


def _learning(brain: Brain) -> MemoryHook:
    """After each call: what was worth remembering goes to memory (once per session)."""

    async def learn(ctx: CallContext, transcript: Sequence[Line]) -> None:
        await brain.learn_from(ctx, list(transcript))

    return learn


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    # The demo and trial tenants' CRM. Its data lives in this process's memory, so with several
    # workers each has its own copy (fine for demos; real tenants use Leap).
    sandbox = create_sandbox_app()
    sandbox.state.sandbox.http_control_enabled = False  # no public reset or fault injection

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_redis(settings) as redis:
            box = secret_box_from_settings(settings)
            blobs = blob_store_from_settings(settings)
            tenants = TenantStore(redis, box, blobs=blobs)
            knowledge = knowledge_base(settings, redis, blobs)
            for tenant_id, before, after in await tenants.move_off_retired_models(datetime.now(UTC).date()):
                log.warning(
                    "tenant %s named a retired Claude model; now voice %s, text %s, fallback %s "
                    "(was %s, %s, %s)",
                    tenant_id, after.voice_model, after.text_model, after.fallback_model,
                    before.voice_model, before.text_model, before.fallback_model,
                )  # fmt: skip
            if await ensure_demo_tenant(tenants):
                await knowledge.ingest_starter(DEMO_TENANT_ID)
                log.info("created the Demo Roofing tenant (sandbox CRM, starter documents) on first start")
            api_key = settings.anthropic_api_key
            brain = Brain(
                redis=redis,
                tenants=tenants,
                claude=Claude(
                    api_key.get_secret_value() if api_key else None, base_url=settings.anthropic_base_url
                ),
                leap=LeapConnector(redis, tenants, leap_base_url=settings.leap_base_url, sandbox_app=sandbox),
                memory=MemoryStore(redis),
                knowledge=knowledge,
            )
            if not brain.claude.configured:
                log.warning("ANTHROPIC_API_KEY is not set: Hard-E will answer that it cannot think yet")
            app.state.services = Services(settings, redis, blobs, box, tenants, brain)
            rest = _twilio_rest(settings)
            usage = UsageMeter(redis)
            pipeline = PipelineDeps(
                brain=brain, usage=usage, blobs=blobs, settings=settings, extract_memories=_learning(brain)
            )
            telephony_deps = TelephonyDeps(
                settings=settings, redis=redis, tenants=tenants, usage=usage, pipeline=pipeline, rest=rest
            )
            app.state.telephony = telephony_deps
            admin = AdminDeps.build(
                settings=settings, redis=redis, blobs=blobs, secrets=box, tenants=tenants, brain=brain,
                dialer=TwilioDialer(telephony_deps) if rest is not None else None,
            )  # fmt: skip
            browser = WebRTCDeps.build(
                settings=settings, redis=redis, tenants=tenants, usage=usage,
                widget_tokens=admin.widget_tokens, pipeline=pipeline,
            )  # fmt: skip
            app.state.webrtc = browser
            if not settings.is_production:
                link = await demo_widget_url(settings.public_url, tenants, browser.widget_tokens)
                if link:
                    log.info("talk to Hard-E in a browser (as the demo owner, for 24 hours): %s", link)
            app.state.admin = admin
            admin.start()
            await asyncio.to_thread(load_models)  # so the first call does not wait for them
            # Start-up made about a million long-lived objects (Pipecat, SDKs, models); moving them
            # out of the collector's reach keeps full collections from pausing requests for ~0.3 s.
            gc.collect()
            gc.freeze()
            log.info("Hard-E ready (%s)", settings.env.value)
            try:
                yield
            finally:
                log.info("Hard-E shutting down")
                await browser.calls.aclose()  # each call still wraps up (transcript, usage, memory)
                knowledge.close()  # uploads still being read are refused, their workers killed
                await admin.aclose()
                if rest is not None:
                    await rest.aclose()
                await brain.aclose()

    app = FastAPIOffline(  # FastAPI whose /docs and /redoc load their assets from here, not a CDN
        title="Hard-E",
        version="0.1.0",
        summary="Voice-first AI sales director for contracting companies.",
        lifespan=lifespan,
    )

    app.mount("/sandbox/leap", sandbox)
    install_admin_api(app)
    app.include_router(telephony.router)
    app.include_router(webrtc.router)
    app.include_router(widget_router)

    @app.get("/", include_in_schema=False)
    async def home(invite: str | None = None) -> HTMLResponse:
        return HTMLResponse(landing_page(settings.public_url, invite))

    @app.get("/healthz", tags=["health"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="Redis and the blob store answer",
        responses={503: {"description": "A dependency is unavailable; the body says which."}},
    )
    async def readyz(request: Request) -> JSONResponse:
        found = services(request)
        problems: dict[str, str] = {}
        try:
            await found.redis.ping()
        except Exception as error:
            problems["redis"] = str(error)
        try:
            await found.blobs.ping()
        except BlobError as error:
            problems["blobs"] = str(error)
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready"})

    return app
