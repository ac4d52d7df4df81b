"""Per-credential and per-tenant rate limits, in Redis, with the standard headers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from core.settings import Settings
from harde.app import create_app
from testkit.servers import serve
from tests.api.test_sign_in import browser, person, sign_in

PROBLEMS = "https://hard-e.dev/problems/"


async def test_a_key_then_its_tenant_run_out_and_are_told_when_to_come_back(make_api):
    # One request per key at once (6 a minute), two per tenant (24 a minute).
    async with make_api(api_key_rate_per_minute=6, api_tenant_rate_per_minute=24) as api:
        await api.tenant("acme")
        await api.tenant("other")
        first, second, third = [await api.key("acme", "admin") for _ in range(3)]
        outsider = await api.key("other", "admin")

        allowed = await api.http.get("/v1/tenants/acme", headers=first["headers"])
        again = await api.http.get("/v1/tenants/acme", headers=first["headers"])
        colleague = await api.http.get("/v1/tenants/acme", headers=second["headers"])
        tenant_spent = await api.http.get("/v1/tenants/acme", headers=third["headers"])
        elsewhere = await api.http.get("/v1/tenants/other", headers=outsider["headers"])

    assert allowed.status_code == 200
    assert (allowed.headers["ratelimit-limit"], allowed.headers["ratelimit-remaining"]) == ("1", "0")
    assert int(allowed.headers["ratelimit-reset"]) == 10
    assert again.status_code == 429
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"] == PROBLEMS + "rate-limited"
    assert "this credential" in again.json()["detail"]
    assert 1 <= int(again.headers["retry-after"]) <= 10
    assert again.headers["ratelimit-remaining"] == "0"
    assert colleague.status_code == 200
    assert tenant_spent.status_code == 429
    assert "this tenant" in tenant_spent.json()["detail"]
    assert elsewhere.status_code == 200


async def test_every_worker_draws_from_the_same_buckets(make_api):
    async with make_api(api_key_rate_per_minute=6) as api:
        await api.tenant("acme")
        key = await api.key("acme", "admin")
        async with (
            serve(create_app(api.admin.settings)) as other_url,
            httpx.AsyncClient(base_url=other_url) as other,
        ):
            here = await api.http.get("/v1/tenants/acme", headers=key["headers"])
            there = await other.get("/v1/tenants/acme", headers=key["headers"])

    assert (here.status_code, there.status_code) == (200, 429)


async def test_errors_after_admission_still_carry_the_rate_limit_headers(make_api):
    async with make_api() as api:
        await api.tenant("acme")
        key = await api.key("acme", "tools:read")

        missing = await api.http.post("/v1/tools/get_customer", json={}, headers=key["headers"])

    assert missing.status_code == 422
    assert "ratelimit-remaining" in missing.headers


def _defaults(*names: str) -> dict[str, Any]:
    """The deployment's default limits (the test app otherwise lifts them)."""
    return {name: Settings.model_fields[name].default for name in names}


async def test_a_signed_in_person_loads_a_busy_page_and_is_limited_far_beyond_it(make_api):
    limits = _defaults(
        "api_key_rate_per_minute",
        "api_tenant_rate_per_minute",
        "web_session_rate_per_minute",
        "web_tenant_rate_per_minute",
    )
    async with make_api(**limits) as api, browser(api) as tab:
        await api.tenant("peak")
        await person(api, "peak", "sam@peak.example")
        await sign_in(tab, "sam@peak.example")

        page_load = await asyncio.gather(*(tab.get("/v1/tenants/peak") for _ in range(40)))
        assert [response.status_code for response in page_load] == [200] * 40

        for _ in range(2000):  # a runaway loop: far beyond 600 a minute (bursts of 60)
            refused = await tab.get("/v1/tenants/peak")
            if refused.status_code != 200:
                break
        key = await api.key("peak", "admin")
        machine = await api.http.get("/v1/tenants/peak", headers=key["headers"])

    assert refused.status_code == 429, refused.text
    assert refused.json()["type"] == PROBLEMS + "rate-limited"
    assert "for you" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert machine.status_code == 200  # the people's buckets are not the machines'


async def test_a_tenants_people_together_are_bounded(make_api):
    # Each person may send plenty; all of the tenant's people together one request a minute.
    async with (
        make_api(web_session_rate_per_minute=600, web_tenant_rate_per_minute=1) as api,
        browser(api) as first,
        browser(api) as second,
    ):
        await api.tenant("peak")
        await person(api, "peak", "sam@peak.example")
        await person(api, "peak", "ana@peak.example", role="manager")
        await sign_in(first, "sam@peak.example")
        await sign_in(second, "ana@peak.example")
        allowed = await first.get("/v1/tenants/peak")
        refused = await second.get("/v1/tenants/peak")

    assert allowed.status_code == 200
    assert refused.status_code == 429
    assert "signed-in people" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
