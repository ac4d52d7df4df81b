"""Per-credential and per-tenant rate limits, in Redis, with the standard headers."""

from __future__ import annotations

import httpx

from harde.app import create_app
from testkit.servers import serve

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
