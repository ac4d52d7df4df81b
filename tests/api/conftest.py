"""The whole app on real parts, reached over real HTTP: Redis (the shared test server), the Leap
sandbox (mounted in-process for sandbox tenants, and served on its own port as "Leap" for token
checks), the real Anthropic SDK against the fake Messages API, the local blob store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from api import AdminDeps, new_operator_token
from core.secretbox import new_key_spec
from core.settings import Settings
from harde.app import create_app
from leap_sandbox import Sandbox, create_sandbox_app
from testkit.fakes.anthropic import FakeAnthropic
from testkit.servers import serve

ALL_SCOPES = ("tools:read", "tools:write", "knowledge", "conversations", "admin")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Api:
    http: httpx.AsyncClient
    app: FastAPI
    operator: dict[str, str]
    fake: FakeAnthropic
    leap: Sandbox
    """The standalone sandbox that plays the real Leap (``LEAP_BASE_URL``)."""

    @property
    def admin(self) -> AdminDeps:
        found: AdminDeps = self.app.state.admin
        return found

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox mounted in the app, which sandbox tenants (demo, trials) work."""
        mount = next(
            route for route in self.app.routes if isinstance(route, Mount) and route.path == "/sandbox/leap"
        )
        found: Sandbox = mount.app.state.sandbox  # type: ignore[attr-defined]
        return found

    async def tenant(self, tenant_id: str, *, name: str | None = None, **fields: Any) -> dict[str, Any]:
        """A tenant on the sandbox CRM (unless ``crm`` says otherwise), created by the operator."""
        body = {"id": tenant_id, "name": name or tenant_id.title(), "crm": "sandbox", **fields}
        response = await self.http.post("/v1/tenants", json=body, headers=self.operator)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def key(self, tenant_id: str, *scopes: str, name: str = "test key") -> dict[str, Any]:
        """A new API key (the response, with ``key`` and ``headers`` added for convenience)."""
        body = {"name": name, "scopes": list(scopes or ALL_SCOPES)}
        response = await self.http.post(f"/v1/tenants/{tenant_id}/api-keys", json=body, headers=self.operator)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        created["headers"] = bearer(created["key"])
        return created

    async def leap_data(self, tenant_id: str) -> Any:
        """The sandbox company of a sandbox tenant (what its tools read and change)."""
        token = await self.admin.tenants.get_leap_token(tenant_id)
        assert token is not None
        return self.sandbox.dataset(token)


def app_settings(tmp_path: Path, redis_url: str, **overrides: Any) -> tuple[Settings, str]:
    """Settings for an app under test, and the operator token whose hash they carry."""
    token, token_hash = new_operator_token()
    values: dict[str, Any] = {
        "var_dir": tmp_path,
        "redis_url": redis_url,
        "secret_keys": (new_key_spec("k1"),),
        "operator_token_hash": token_hash,
        "anthropic_api_key": "sk-ant-test",
        "api_key_rate_per_minute": 100_000,
        "api_tenant_rate_per_minute": 100_000,
        "web_session_rate_per_minute": 100_000,
        "web_tenant_rate_per_minute": 100_000,
        "auth_failures_per_window": 100_000,  # tests of refused credentials send many from one address
        **overrides,
    }
    return Settings(**values), token


ApiFactory = Callable[..., contextlib.AbstractAsyncContextManager[Api]]


@pytest.fixture
async def make_api(redis, redis_server, tmp_path) -> AsyncIterator[ApiFactory]:
    """Start the app (with setting overrides) on loopback, next to a fake Claude and a fake Leap."""
    fake = FakeAnthropic()
    leap_app = create_sandbox_app()

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Api]:
        async with serve(fake.app) as llm_url, serve(leap_app) as leap_url:
            settings, token = app_settings(
                tmp_path,
                redis_server.url,
                anthropic_base_url=llm_url,
                leap_base_url=f"{leap_url}/api/v3",
                **overrides,
            )
            app = create_app(settings)
            async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
                yield Api(http, app, bearer(token), fake, leap_app.state.sandbox)

    yield start
    assert not fake.problems, fake.problems


@pytest.fixture
async def api(make_api: ApiFactory) -> AsyncIterator[Api]:
    async with make_api() as started:
        yield started
