"""Credentials die with their tenant, and a widget session cannot be stretched forever: a refresh
retires the token it replaces (once, even under concurrent refreshes), and a session ends at its limit."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from tenants import Role
from tenants.models import utcnow
from testkit.fakes.anthropic import reply
from tests.api.conftest import Api, bearer

PROBLEMS = "https://hard-e.dev/problems/"


async def _widget(api: Api, tenant_id: str, **body: object) -> str:
    issued = await api.http.post(f"/v1/tenants/{tenant_id}/widget-tokens", json=body, headers=api.operator)
    assert issued.status_code == 201, issued.text
    token: str = issued.json()["token"]
    return token


async def _conversation(api: Api, token: str) -> int:
    return (await api.http.post("/v1/conversations", headers=bearer(token))).status_code


async def test_a_widget_token_dies_with_its_tenant_and_never_works_for_a_new_one_of_the_same_id(api: Api):
    await api.tenant("acme")
    token = await _widget(api, "acme")
    assert await _conversation(api, token) == 201

    assert (await api.http.delete("/v1/tenants/acme", headers=api.operator)).status_code == 200
    gone = await api.http.post("/v1/conversations", headers=bearer(token))
    await api.tenant("acme")  # someone else's company, under the same id
    reborn = await api.http.post("/v1/conversations", headers=bearer(token))

    for response in (gone, reborn):
        assert response.status_code == 401
        assert response.json()["type"] == PROBLEMS + "invalid-credential"
        assert "no longer exists" in response.json()["detail"]
    assert await _conversation(api, await _widget(api, "acme")) == 201


async def test_an_api_key_that_outlived_its_tenant_does_not_work_for_a_new_one_of_the_same_id(api: Api):
    await api.tenant("acme")
    old = await api.admin.tenants.get_tenant("acme")
    # The store's erase alone keeps the global key index (the API's erase drops it first): it stands
    # for an index entry that escaped, such as a key created while the tenant was being erased.
    await api.admin.tenants.erase_tenant("acme")
    _, leftover = await api.admin.keys.create(old, name="raced the erase", scopes=set(), created_by="test")
    await api.tenant("acme")

    response = await api.http.get("/v1/tenants/acme", headers=bearer(leftover))

    assert response.status_code == 401
    assert response.json()["type"] == PROBLEMS + "invalid-credential"
    fresh = await api.key("acme", "admin")
    assert (await api.http.get("/v1/tenants/acme", headers=fresh["headers"])).status_code == 200


async def test_a_refresh_retires_the_token_it_replaces(api: Api):
    await api.tenant("acme")
    old = await _widget(api, "acme")

    refreshed = await api.http.post("/v1/widget-tokens/refresh", headers=bearer(old))
    assert refreshed.status_code == 201
    new = refreshed.json()["token"]

    assert await _conversation(api, new) == 201
    for use in ("/v1/conversations", "/v1/widget-tokens/refresh"):
        response = await api.http.post(use, headers=bearer(old))
        assert response.status_code == 401, use
        assert response.json()["type"] == PROBLEMS + "invalid-credential"
        assert "refreshed" in response.json()["detail"]


async def test_of_concurrent_refreshes_of_one_token_exactly_one_succeeds(api: Api):
    await api.tenant("acme")
    token = await _widget(api, "acme")

    answers = await asyncio.gather(
        *(api.http.post("/v1/widget-tokens/refresh", headers=bearer(token)) for _ in range(8))
    )

    assert sorted(answer.status_code for answer in answers) == [201] + [401] * 7
    winner = next(answer.json()["token"] for answer in answers if answer.status_code == 201)
    assert await _conversation(api, winner) == 201


async def test_refreshing_never_extends_a_session_past_its_limit(make_api):
    async with make_api(widget_session_max_hours=2) as api:
        await api.tenant("acme")
        asked_a_day = await api.http.post(
            "/v1/tenants/acme/widget-tokens", json={"ttl_seconds": 86_400}, headers=api.operator
        )
        assert datetime.fromisoformat(asked_a_day.json()["expires_at"]) <= utcnow() + timedelta(hours=2)

        acme = await api.admin.tenants.get_tenant("acme")
        started = utcnow() - timedelta(hours=1, minutes=50)
        _, fresh = api.admin.widget_tokens.issue(acme, role=Role.OWNER)
        late = fresh.model_copy(update={"session_started_at": started})  # a session begun long ago
        token, _ = api.admin.widget_tokens.issue(acme, role=Role.OWNER, session=late)
        chain_end = started + timedelta(hours=2)
        for _ in range(3):  # each refresh gets a new token, never a later end
            refreshed = await api.http.post("/v1/widget-tokens/refresh", headers=bearer(token))
            assert refreshed.status_code == 201, refreshed.text
            assert datetime.fromisoformat(refreshed.json()["expires_at"]) == chain_end
            token = refreshed.json()["token"]


async def test_an_anonymous_visitor_keeps_their_conversation_across_a_refresh(api: Api):
    await api.tenant("acme")
    token = await _widget(api, "acme")
    started = await api.http.post("/v1/conversations", headers=bearer(token))
    conversation = started.json()["id"]
    api.fake.script(reply("Still here."))

    refreshed = (await api.http.post("/v1/widget-tokens/refresh", headers=bearer(token))).json()["token"]
    answer = await api.http.post(
        f"/v1/conversations/{conversation}/messages", json={"text": "hello"}, headers=bearer(refreshed)
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["reply"] == "Still here."
