"""Credentials: API keys (shown once, hashed, scoped, revocable, expiring), the operator token, and
widget tokens (sealed, short-lived)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tenants import Role, Scope
from tenants.models import utcnow
from tests.api.conftest import Api, bearer

PROBLEMS = "https://hard-e.dev/problems/"


async def test_a_key_is_shown_once_stored_as_a_hash_and_listed_by_prefix(api: Api):
    await api.tenant("acme")
    created = await api.key("acme", "tools:read", name="Zapier")
    secret = created["key"]
    assert secret.startswith("hde_") and secret.startswith(created["prefix"])

    listed = await api.http.get("/v1/tenants/acme/api-keys", headers=api.operator)
    assert secret not in listed.text
    assert [(k["id"], k["name"], k["prefix"], k["scopes"]) for k in listed.json()] == [
        (created["id"], "Zapier", created["prefix"], ["tools:read"])
    ]
    stored = [value async for key in api.admin.redis.scan_iter() if (value := await _text(api, key))]
    assert not any(secret in value for value in stored)


async def _text(api: Api, key: str) -> str | None:
    if await api.admin.redis.type(key) != "string":
        return None
    value: str | None = await api.admin.redis.get(key)
    return value


async def test_a_used_key_shows_when_it_was_last_used(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "admin")
    before = utcnow()

    await api.http.get("/v1/tenants/acme", headers=key["headers"])

    found = (await api.http.get(f"/v1/tenants/acme/api-keys/{key['id']}", headers=api.operator)).json()
    assert datetime.fromisoformat(found["last_used_at"]) >= before


async def test_no_credential_a_stranger_one_a_revoked_key_and_an_expired_key_are_turned_away(api: Api):
    await api.tenant("acme")
    revoked = await api.key("acme", "admin")
    revoke = await api.http.delete(f"/v1/tenants/acme/api-keys/{revoked['id']}", headers=api.operator)
    assert revoke.json()["revoked_at"] is not None
    _, expired = await api.admin.keys.create(
        await api.admin.tenants.get_tenant("acme"),
        name="old",
        scopes={Scope.ADMIN},
        created_by="test",
        expires_at=utcnow() - timedelta(seconds=1),
    )

    cases = {
        "missing-credential": {},
        "invalid-credential": bearer("hde_thisKeyWasNeverIssued000000000000000000"),
        "revoked": revoked["headers"],
        "expired-credential": bearer(expired),
        "not ours": bearer("sk-live-123456789"),
    }
    for case, headers in cases.items():
        response = await api.http.get("/v1/tenants/acme", headers=headers)
        assert response.status_code == 401, case
        assert response.headers["content-type"] == "application/problem+json"
        expected = {"revoked": "invalid-credential", "not ours": "invalid-credential"}.get(case, case)
        assert response.json()["type"] == PROBLEMS + expected, case


async def test_a_key_reaches_only_what_its_scopes_allow_and_cannot_grant_more(api: Api):
    await api.tenant("acme")
    knowledge = await api.key("acme", "knowledge")
    admin = await api.key("acme", "admin", "tools:read")

    settings = await api.http.get("/v1/tenants/acme/settings", headers=knowledge["headers"])
    assert settings.status_code == 403
    assert settings.json()["type"] == PROBLEMS + "insufficient-scope"
    assert "'admin'" in settings.json()["detail"]

    escalate = await api.http.post(
        "/v1/tenants/acme/api-keys",
        json={"name": "more", "scopes": ["tools:write"]},
        headers=admin["headers"],
    )
    assert escalate.status_code == 403
    assert "tools:write" in escalate.json()["detail"]
    same = await api.http.post(
        "/v1/tenants/acme/api-keys", json={"name": "same", "scopes": ["tools:read"]}, headers=admin["headers"]
    )
    assert same.status_code == 201
    assert same.json()["created_by"] == f"key:{admin['id']}"


async def test_the_operator_token_must_match_the_configured_hash(make_api):
    async with make_api() as api:
        wrong = await api.http.get("/v1/tenants", headers=bearer("hdo_" + "x" * 43))
        assert wrong.status_code == 401
        assert wrong.json()["type"] == PROBLEMS + "invalid-credential"
        assert (await api.http.get("/v1/tenants", headers=api.operator)).status_code == 200
        await api.tenant("acme")
        key = await api.key("acme")
        as_tenant = await api.http.get("/v1/tenants", headers=key["headers"])
        assert as_tenant.status_code == 403
        assert as_tenant.json()["type"] == PROBLEMS + "operator-only"

    async with make_api(operator_token_hash=None) as unconfigured:
        response = await unconfigured.http.get("/v1/tenants", headers=unconfigured.operator)
        assert response.status_code == 401
        assert response.json()["type"] == PROBLEMS + "operator-not-configured"
        assert "HARDE_OPERATOR_TOKEN_HASH" in response.json()["detail"]


async def test_widget_tokens_are_sealed_and_expire(api: Api):
    await api.tenant("acme")
    acme = await api.admin.tenants.get_tenant("acme")
    tokens = api.admin.widget_tokens
    token, claims = tokens.issue(acme, role=Role.OWNER)
    assert tokens.verify(token) == claims
    assert "acme" not in token  # sealed: the browser cannot read the ids

    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    expired, _ = tokens.issue(acme, role=Role.OWNER, not_after=utcnow() - timedelta(seconds=1))
    for bad, kind in (
        (tampered, "invalid-credential"),
        (expired, "expired-credential"),
        ("hdw_x.y", "invalid-credential"),
    ):
        response = await api.http.post("/v1/conversations", headers=bearer(bad))
        assert response.status_code == 401
        assert response.json()["type"] == PROBLEMS + kind


async def test_a_widget_token_only_holds_conversations_and_can_be_refreshed(api: Api):
    await api.tenant("acme")
    issued = (await api.http.post("/v1/tenants/acme/widget-tokens", json={}, headers=api.operator)).json()
    assert issued["role"] == "read_only" and issued["user_id"] is None

    settings = await api.http.get("/v1/tenants/acme/settings", headers=bearer(issued["token"]))
    assert settings.status_code == 403
    refreshed = await api.http.post("/v1/widget-tokens/refresh", headers=bearer(issued["token"]))
    assert refreshed.status_code == 201
    assert refreshed.json()["token"] != issued["token"]
    assert refreshed.json()["expires_at"] >= issued["expires_at"]
    logins = (await api.http.get("/v1/tenants/acme/audit", headers=api.operator)).json()["entries"]
    assert [entry["event"] for entry in logins][:2] == ["login.widget", "login.widget"]
