"""A whole brain on real parts: Redis, the tenant store, the Leap sandbox (in-process, as sandbox
tenants use it), the real Anthropic SDK against the fake Messages API on loopback, and memory."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from brain import Brain, CallContext, Channel, Claude, LeapConnector
from core.blobs import LocalBlobStore
from core.secretbox import SecretBox, new_key_spec, parse_keys
from kb import KnowledgeBase
from leap_sandbox import create_sandbox_app
from memory import MemoryStore
from tenants import CrmMode, ModelSettings, Role, Tenant, TenantStore, User, new_sandbox_token
from testkit.fakes.anthropic import FakeAnthropic, RecordedRequest
from testkit.servers import serve

PRIMARY, FALLBACK = "claude-test-primary", "claude-test-fallback"


@dataclass
class World:
    brain: Brain
    fake: FakeAnthropic
    sandbox: Any  # the sandbox controller
    token: str
    users: dict[Role, User]

    @property
    def data(self) -> Any:
        return self.sandbox.dataset(self.token)

    def ctx(self, role: Role = Role.OWNER, session: str = "s1", tenant: str = "acme") -> CallContext:
        user = self.users[role]
        return CallContext(
            tenant_id=tenant, session_id=session, channel=Channel.TEXT, role=role, user_id=user.id,
            user_name=user.name,
        )  # fmt: skip

    def stage_of(self, job_id: int) -> str:
        code = self.data.jobs[job_id].stage_code
        return next(stage.name for stage in self.data.stages if stage.code == code)

    def job_in_stage(self, name: str) -> Any:
        code = next(stage.code for stage in self.data.stages if stage.name == name)
        return next(job for job in self.data.jobs.values() if job.stage_code == code and not job.archived)


def action_ids(request: RecordedRequest) -> list[str]:
    """Every action_id the brain has handed the model so far in this conversation."""
    found = []
    for message in request.messages:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if block.get("type") == "tool_result":
                try:
                    payload = json.loads(block["content"])
                except (TypeError, ValueError):
                    continue
                if isinstance(payload, dict) and "action_id" in payload:
                    found.append(payload["action_id"])
    return found


@pytest.fixture
async def world(redis, tmp_path) -> AsyncIterator[World]:
    fake = FakeAnthropic()
    sandbox_app = create_sandbox_app()
    tenants = TenantStore(redis, SecretBox(parse_keys([new_key_spec("k1")])))
    tenant = Tenant(
        id="acme", name="Acme Roofing", crm=CrmMode.SANDBOX, timezone="America/Denver",
        models=ModelSettings(text_model=PRIMARY, fallback_model=FALLBACK),
    )  # fmt: skip
    await tenants.create_tenant(tenant)
    token = new_sandbox_token()
    await tenants.set_leap_token("acme", token, verified_at=None)
    users = {}
    for role, name in [
        (Role.OWNER, "Dana Whitfield"), (Role.SALES_REP, "Mike Alvarez"), (Role.CREW, "Tony Russo"),
        (Role.READ_ONLY, "Rita Reed"), (Role.MANAGER, "Mona Park"),
    ]:  # fmt: skip
        users[role] = await tenants.add_user(User(tenant_id="acme", name=name, role=role))
    async with serve(fake.app) as llm_url:
        brain = Brain(
            redis=redis,
            tenants=tenants,
            claude=Claude("sk-ant-test", base_url=llm_url, max_retries=0),
            leap=LeapConnector(redis, tenants, leap_base_url="http://unused", sandbox_app=sandbox_app),
            memory=MemoryStore(redis),
            knowledge=KnowledgeBase(redis, LocalBlobStore(tmp_path / "blobs")),
        )
        yield World(brain, fake, sandbox_app.state.sandbox, token, users)
        await brain.aclose()
    assert not fake.problems, fake.problems
