"""The Leap sandbox served on loopback, and a real client and tool context pointed at it.

Every test gets its own token, so its own freshly seeded copy of the demo company, and the
sandbox's own limit is set high: the tests that are about rate limits set their own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from crm_leap import CompanyDirectory, LeapClient, LeapLimits, RetryPolicy, leap_rate_limiter, registry
from crm_leap.tools import ReadTool, ToolContext
from leap_sandbox import create_sandbox_app
from testkit.servers import serve

TIMEZONE = "America/Denver"
TENANT = "t-leap-test"
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.02, max_delay=0.1, max_retry_after=5.0)
# Generous, so a busy machine never turns a slow answer into a retry the test did not ask for.
TIMEOUT = httpx.Timeout(30.0)
# For the tests whose point is a request that Leap never answers: the client must give up.
SHORT_TIMEOUT = httpx.Timeout(connect=10.0, read=1.0, write=10.0, pool=10.0)


@pytest.fixture
def sandbox_app():
    return create_sandbox_app(seed=7, rate_limit_per_minute=100_000)


@pytest.fixture
def sandbox(sandbox_app):
    """The emulator's controller: faults, request log, notifications, outbox."""
    return sandbox_app.state.sandbox


@pytest.fixture
async def leap_url(sandbox_app) -> AsyncIterator[str]:
    async with serve(sandbox_app) as base_url:
        yield f"{base_url}/api/v3"


@pytest.fixture
def token() -> str:
    return f"sandbox_{uuid.uuid4().hex}"


@pytest.fixture
async def leap(leap_url, token, redis, sandbox) -> AsyncIterator[LeapClient]:
    sandbox.dataset(token)  # seeded now, so no request the test makes pays for it
    limiter = leap_rate_limiter(redis, token, LeapLimits(requests=100_000))
    async with LeapClient(
        token, base_url=leap_url, limiter=limiter, retry=FAST_RETRY, timeout=TIMEOUT
    ) as client:
        yield client


@pytest.fixture
async def impatient_leap(leap_url, token, sandbox) -> AsyncIterator[LeapClient]:
    """A client that gives up on an unanswered request after a second, for the timeout tests."""
    sandbox.dataset(token)
    async with LeapClient(token, base_url=leap_url, retry=FAST_RETRY, timeout=SHORT_TIMEOUT) as client:
        yield client


@pytest.fixture
def company(leap, redis) -> CompanyDirectory:
    return CompanyDirectory(TENANT, leap, redis)


@pytest.fixture
def ctx(leap, company) -> ToolContext:
    return ToolContext(tenant_id=TENANT, leap=leap, company=company, timezone=TIMEZONE)


async def run(ctx: ToolContext, name: str, **args: Any) -> dict[str, Any]:
    """Run a read tool the way the brain does: by name, with JSON-like arguments."""
    tool = registry()[name]
    assert isinstance(tool, ReadTool)
    return await tool.run(ctx, args)


async def job_in(ctx: ToolContext, stage_name: str) -> dict[str, Any]:
    """Some job that is in the named stage of the demo company's workflow."""
    stage = await ctx.company.resolve_stage(stage_name)
    return (await ctx.leap.find_jobs(stage_codes=[stage.code], limit=1)).items[0]


def said(job: dict[str, Any]) -> str:
    """How a person names a sandbox job ("Rodriguez - Roof Repair"), lower-cased: compare summaries
    with ``.lower()``, since a work type may keep capitals ("Flat Roof (TPO)")."""
    return "the " + str(job["name"]).replace(" - ", " ").lower()
