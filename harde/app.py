"""The FastAPI application: wires core services, tenants and the entry packages together."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from core.blobs import BlobError, BlobStore, blob_store_from_settings
from core.logs import configure_logging
from core.redis import Redis, open_redis
from core.secretbox import SecretBox, secret_box_from_settings
from core.settings import Settings, get_settings
from tenants import TenantStore, ensure_demo_tenant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """Everything a request handler may need, built once per process in the lifespan."""

    settings: Settings
    redis: Redis
    blobs: BlobStore
    secrets: SecretBox
    tenants: TenantStore


def services(request: Request) -> Services:
    """FastAPI dependency: the process's services."""
    found: Services = request.app.state.services
    return found


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_redis(settings) as redis:
            box = secret_box_from_settings(settings)
            blobs = blob_store_from_settings(settings)
            tenants = TenantStore(redis, box)
            if await ensure_demo_tenant(tenants):
                log.info("created the Demo Roofing tenant (sandbox CRM) on first start")
            app.state.services = Services(settings, redis, blobs, box, tenants)
            log.info("Hard-E ready (%s)", settings.env.value)
            yield
            log.info("Hard-E shutting down")

    app = FastAPI(
        title="Hard-E",
        version="0.1.0",
        summary="Voice-first AI sales director for contracting companies.",
        lifespan=lifespan,
    )

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
