"""The browser-call door on real parts: the webrtc routes on a loopback server, the whole pipeline
of tests/pipeline (speech fakes, fake Claude, sandbox CRM), and browsers played by aiortc peers.

Browser audio arrives Opus-encoded, so it is really heard: a Whisper-backed Deepgram fake, not
known transcripts; assertions allow for Whisper's usual slips.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import webrtc
from core.secretbox import SecretBox, new_key_spec, parse_keys
from core.settings import Settings
from tenants import Role
from tenants.models import Tenant, utcnow
from tenants.widget_tokens import WidgetTokens
from testkit.fakes.deepgram import load_whisper
from testkit.servers import serve
from testkit.webrtc_caller import bearer
from tests.brain.conftest import World, world  # noqa: F401 - the brain on real parts
from tests.pipeline.conftest import Phone, phone_for
from webrtc import WebRTCDeps

CONNECT_TIMEOUT_SECS = 3.0
PER_USER = 2
PER_TENANT = 3


@pytest.fixture(scope="module", autouse=True)
def whisper() -> None:
    load_whisper()


@dataclass
class Door:
    base: str
    phone: Phone
    http: httpx.AsyncClient
    deps: WebRTCDeps
    tokens: WidgetTokens
    tenant: Tenant  # the world's company, "acme"

    @property
    def world(self) -> World:
        return self.phone.world

    def token(self, role: Role = Role.OWNER, *, anonymous: bool = False) -> str:
        user_id = None if anonymous else self.world.users[role].id
        found, _claims = self.tokens.issue(self.tenant, role=role, user_id=user_id)
        return found

    def expired_token(self) -> str:
        found, _claims = self.tokens.issue(
            self.tenant,
            role=Role.OWNER,
            user_id=self.world.users[Role.OWNER].id,
            not_after=utcnow() - timedelta(seconds=1),
        )
        return found

    async def session(self, token: str, session_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.base}/sessions/{session_id}", headers=bearer(token))
        found: dict[str, Any] = response.json()
        return found

    async def wait_for_state(
        self, token: str, session_id: str, *states: str, limit: float = 30.0
    ) -> dict[str, Any]:
        """Poll the session's record until it reaches one of ``states`` (bounded by ``limit``)."""

        async def poll() -> dict[str, Any]:
            while True:
                found = await self.session(token, session_id)
                if found.get("state") in states:
                    return found
                await asyncio.sleep(0.1)

        return await asyncio.wait_for(poll(), limit)


@pytest.fixture
async def door(world: World, tmp_path: Path) -> AsyncIterator[Door]:  # noqa: F811
    async with phone_for(world, tmp_path, hear_with_whisper=True) as phone:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, webrtc_connect_timeout_seconds=CONNECT_TIMEOUT_SECS,
            webrtc_sessions_per_user=PER_USER, webrtc_sessions_per_tenant=PER_TENANT,
        )  # fmt: skip
        redis = world.brain.redis
        tokens = WidgetTokens(SecretBox(parse_keys([new_key_spec("w1")])), redis, world.brain.tenants)
        deps = WebRTCDeps.build(
            settings=settings, redis=redis, tenants=world.brain.tenants, usage=phone.deps.usage,
            widget_tokens=tokens, pipeline=phone.deps,
        )  # fmt: skip
        app = FastAPI()
        app.include_router(webrtc.router)
        app.state.webrtc = deps
        try:
            async with serve(app) as base, httpx.AsyncClient(timeout=30) as http:
                yield Door(base, phone, http, deps, tokens, await world.brain.tenants.get_tenant("acme"))
        finally:
            await deps.calls.aclose()
