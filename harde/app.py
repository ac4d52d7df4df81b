"""The FastAPI application: the services (``harde.services``) behind the entry packages' routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

import telephony
import webrtc
from api import install_api
from core.blobs import BlobError
from core.logs import configure_logging
from core.redis import open_redis
from core.settings import Settings, get_settings
from harde.services import Services, build_services
from harde.webapp import demo_app_link
from harde.webapp import router as webapp_router
from harde.widget import demo_widget_url
from harde.widget import router as widget_router
from leap_sandbox import create_sandbox_app
from pipeline import load_models
from tenants import DEMO_TENANT_ID, ensure_demo_tenant

log = logging.getLogger(__name__)


def services(request: Request) -> Services:
    """FastAPI dependency: the process's services."""
    found: Services = request.app.state.services
    return found


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
            built = build_services(settings, redis, sandbox=sandbox)
            tenants = built.tenants
            for tenant_id, before, after in await tenants.move_off_retired_models(datetime.now(UTC).date()):
                log.warning(
                    "tenant %s named a retired Claude model; now voice %s, text %s, fallback %s "
                    "(was %s, %s, %s)",
                    tenant_id, after.voice_model, after.text_model, after.fallback_model,
                    before.voice_model, before.text_model, before.fallback_model,
                )  # fmt: skip
            if await ensure_demo_tenant(tenants):
                await built.knowledge.ingest_starter(DEMO_TENANT_ID)
                log.info("created the Demo Roofing tenant (sandbox CRM, starter documents) on first start")
            if not built.brain.claude.configured:
                log.warning("ANTHROPIC_API_KEY is not set: Hard-E will answer that it cannot think yet")
            app.state.services = built
            app.state.telephony = built.telephony
            app.state.webrtc = built.webrtc
            app.state.admin = built.admin
            if not settings.is_production:
                link = await demo_widget_url(settings.public_url, tenants, built.widget_tokens)
                if link:
                    log.info("talk to Hard-E in a browser (as the demo owner, for 24 hours): %s", link)
                app_link = await demo_app_link(settings.public_url, tenants, built.admin.password_links)
                if app_link:
                    log.info("open the web app as the demo owner: %s", app_link)
            built.start()
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
                await built.aclose()  # each browser call still wraps up (transcript, usage, memory)

    app = FastAPIOffline(  # FastAPI whose /docs and /redoc load their assets from here, not a CDN
        title="Hard-E",
        version="0.1.0",
        summary="Voice-first AI sales director for contracting companies.",
        lifespan=lifespan,
    )

    app.mount("/sandbox/leap", sandbox)
    install_api(app)
    app.include_router(telephony.router)
    app.include_router(webrtc.router)
    app.include_router(widget_router)
    app.include_router(webapp_router)

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
