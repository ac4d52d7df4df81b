"""Failed authentication is a security event: logged with who tried what, and throttled per address."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from api.auth_failures import WINDOW_SECONDS
from tests.api.conftest import Api, ApiFactory, bearer

PROBLEMS = "https://hard-e.dev/problems/"
MAX_FAILURES = 20
WRONG = {
    "operator token": "hdo_" + "x" * 43,
    "API key": "hde_" + "y" * 43,
    "widget token": "hdw_not.a-sealed-token",
    "unknown credential": "password123456",
}


@pytest.fixture
async def api(make_api: ApiFactory) -> AsyncIterator[Api]:
    """The app as deployed: the shared test settings lift this limit, so set it back."""
    async with make_api(auth_failures_per_window=MAX_FAILURES) as started:
        yield started


def security_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "harde.security"]


@pytest.mark.parametrize("kind", list(WRONG))
async def test_each_refused_credential_is_logged_with_its_kind_and_address_never_itself(
    api: Api, caplog: pytest.LogCaptureFixture, kind: str
):
    caplog.set_level(logging.WARNING, logger="harde.security")

    response = await api.http.get("/v1/tools", headers=bearer(WRONG[kind]))

    assert response.status_code == 401
    [line] = security_lines(caplog)
    assert kind in line and "127.0.0.1" in line and "GET /v1/tools" in line
    assert WRONG[kind] not in line


async def test_a_wrong_invite_code_is_logged_like_any_credential(api: Api, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, logger="harde.security")
    code = "hdi_neverIssuedThisCode"
    body = {"code": code, "company_name": "Peak Roofing", "your_name": "Sam Ortiz"}

    response = await api.http.post("/v1/invites/redeem", json=body)

    assert response.status_code == 404
    [line] = security_lines(caplog)
    assert "invite code" in line and "127.0.0.1" in line and code not in line


async def test_good_credentials_are_not_counted_or_logged(api: Api, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, logger="harde.security")
    await api.tenant("acme")
    key = await api.key("acme")

    for _ in range(MAX_FAILURES + 5):
        assert (await api.http.get("/v1/tools", headers=key["headers"])).status_code == 200

    assert security_lines(caplog) == []
    assert await api.admin.redis.keys("authfail:*") == []


async def test_an_address_that_keeps_failing_is_refused_until_the_window_ends(api: Api):
    await api.tenant("acme")
    key = await api.key("acme")

    for kind in ("operator token", "API key", "widget token", "unknown credential"):
        for _ in range(MAX_FAILURES // 4):
            assert (await api.http.get("/v1/tools", headers=bearer(WRONG[kind]))).status_code == 401
    blocked = await api.http.get("/v1/tools", headers=bearer(WRONG["operator token"]))
    good_key_too = await api.http.get("/v1/tools", headers=key["headers"])
    invite = await api.http.post(
        "/v1/invites/redeem", json={"code": "hdi_guess12345", "company_name": "X", "your_name": "Y"}
    )

    for refused in (blocked, good_key_too, invite):
        assert refused.status_code == 429, refused.text
        assert refused.json()["type"] == PROBLEMS + "rate-limited"
        assert 0 < int(refused.headers["retry-after"]) <= WINDOW_SECONDS
        assert "failed sign-in attempts" in refused.json()["detail"]

    async with httpx.AsyncClient(
        base_url=str(api.http.base_url), transport=httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    ) as elsewhere:
        assert (await elsewhere.get("/v1/tools", headers=key["headers"])).status_code == 200

    await api.admin.redis.delete("authfail:127.0.0.1")  # what the window's expiry does
    assert (await api.http.get("/v1/tools", headers=key["headers"])).status_code == 200


async def test_failures_arriving_together_are_each_counted_once(api: Api):
    attempts = [api.http.get("/v1/tools", headers=bearer(WRONG["API key"])) for _ in range(MAX_FAILURES)]

    statuses = [response.status_code for response in await asyncio.gather(*attempts)]

    assert statuses == [401] * MAX_FAILURES
    assert await api.admin.redis.get("authfail:127.0.0.1") == str(MAX_FAILURES)
    assert (await api.http.get("/v1/tools", headers=bearer(WRONG["API key"]))).status_code == 429
