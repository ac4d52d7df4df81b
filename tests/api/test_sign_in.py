"""Signing in to the web app: a person with email and password gets an HttpOnly session cookie that
every /v1 route accepts with their role's permissions, changes need the CSRF token, sign-in is
throttled, and a session ends with sign-out, its user, its tenant, or its time."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tenants.models import utcnow
from tenants.web_sessions import WebSessions
from tests.api.conftest import Api, ApiFactory

PROBLEMS = "https://hard-e.dev/problems/"
PASSWORD = "three green ladders"
CSRF = "X-CSRF-Token"


async def person(api: Api, tenant_id: str, email: str, role: str = "owner", password: str = PASSWORD) -> dict:
    """A user of ``tenant_id`` (made by the operator) who has chosen ``password``."""
    response = await api.http.post(
        f"/v1/tenants/{tenant_id}/users",
        json={"name": email.split("@")[0].title(), "email": email, "role": role},
        headers=api.operator,
    )
    assert response.status_code == 201, response.text
    user: dict = response.json()
    await api.admin.tenants.set_password(tenant_id, user["id"], password)
    return user


@asynccontextmanager
async def browser(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own: a cookie jar nobody else shares."""
    async with httpx.AsyncClient(base_url=api.http.base_url, timeout=30) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/v1/auth/sign-in", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    me: dict[str, Any] = response.json()
    return me


def set_cookie_of(response: httpx.Response) -> str:
    [header] = [value for name, value in response.headers.multi_items() if name == "set-cookie"]
    return header


async def test_signing_in_sets_a_guarded_cookie_and_me_says_who_and_what_they_may_do(api: Api):
    await api.tenant("peak", name="Peak Roofing")
    user = await person(api, "peak", "sam@peak.example", role="owner")

    async with browser(api) as client:
        signed = await client.post(
            "/v1/auth/sign-in", json={"email": "Sam@Peak.example", "password": PASSWORD}
        )
        me = await client.get("/v1/auth/me")

    assert signed.status_code == 200, signed.text
    cookie = set_cookie_of(signed)
    assert cookie.startswith("harde_session=hds_")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # the public URL is plain http here (development)
    assert me.status_code == 200, me.text
    body = me.json()
    assert body == signed.json()
    assert body["kind"] == "user" and len(body["csrf_token"]) >= 32
    assert body["user"] == {"id": user["id"], "name": "Sam", "email": "sam@peak.example", "role": "owner"}
    assert (body["tenant"]["id"], body["tenant"]["name"]) == ("peak", "Peak Roofing")
    assert body["permissions"] == ["admin", "conversations", "knowledge", "tools:read", "tools:write"]
    assert "argon2" not in signed.text + me.text  # the hash never leaves the store
    users = await api.http.get("/v1/tenants/peak/users", headers=api.operator)
    assert "argon2" not in users.text and PASSWORD not in users.text
    assert [user["has_password"] for user in users.json()] == [True]


async def test_the_cookie_is_secure_when_the_public_url_is_https(make_api: ApiFactory):
    async with make_api(public_url="https://voice.example.com") as api:
        await api.tenant("peak")
        await person(api, "peak", "sam@peak.example")
        signed = await api.http.post(
            "/v1/auth/sign-in", json={"email": "sam@peak.example", "password": PASSWORD}
        )
    assert signed.status_code == 200, signed.text
    assert "secure" in {part.strip().lower() for part in set_cookie_of(signed).split(";")}


async def test_a_wrong_password_an_unknown_email_and_no_password_yet_get_the_same_401(api: Api):
    await api.tenant("peak")
    await person(api, "peak", "sam@peak.example")
    await api.http.post(
        "/v1/tenants/peak/users", json={"name": "New", "email": "new@peak.example"}, headers=api.operator
    )

    answers = [
        await api.http.post("/v1/auth/sign-in", json={"email": email, "password": password})
        for email, password in (
            ("sam@peak.example", "not the password"),
            ("nobody@peak.example", PASSWORD),
            ("new@peak.example", PASSWORD),  # a user who never chose a password
            ("not an email", PASSWORD),
        )
    ]

    assert {(a.status_code, a.json()["type"], a.json()["detail"]) for a in answers} == {
        (401, PROBLEMS + "invalid-credentials", answers[0].json()["detail"])
    }
    assert all("set-cookie" not in answer.headers for answer in answers)
    assert (await api.http.get("/v1/auth/me")).status_code == 401


async def test_sign_in_is_throttled_per_email_whether_or_not_it_has_an_account(make_api: ApiFactory):
    async with make_api(sign_in_failures_per_account=3) as api:
        await api.tenant("peak")
        await person(api, "peak", "sam@peak.example")
        for email in ("sam@peak.example", "ghost@peak.example"):
            for _ in range(3):
                wrong = await api.http.post(
                    "/v1/auth/sign-in", json={"email": email, "password": "guess 1234"}
                )
                assert wrong.status_code == 401, wrong.text
        right = await api.http.post(
            "/v1/auth/sign-in", json={"email": "SAM@peak.example", "password": PASSWORD}
        )
        ghost = await api.http.post("/v1/auth/sign-in", json={"email": "ghost@peak.example", "password": "x"})
        other = await api.http.post("/v1/auth/sign-in", json={"email": "bo@peak.example", "password": "x"})

    for refused in (right, ghost):
        assert (refused.status_code, refused.json()["type"]) == (429, PROBLEMS + "rate-limited")
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "sign-in link" in right.json()["detail"]
    assert other.status_code == 401  # another email is not held back


async def test_sign_in_is_throttled_per_address(make_api: ApiFactory):
    async with make_api(auth_failures_per_window=3) as api:
        await api.tenant("peak")
        await person(api, "peak", "sam@peak.example")
        for n in range(3):
            wrong = await api.http.post(
                "/v1/auth/sign-in", json={"email": f"u{n}@x.example", "password": "x"}
            )
            assert wrong.status_code == 401
        right = await api.http.post(
            "/v1/auth/sign-in", json={"email": "sam@peak.example", "password": PASSWORD}
        )

    assert (right.status_code, right.json()["type"]) == (429, PROBLEMS + "rate-limited")
    assert int(right.headers["Retry-After"]) > 0


async def test_a_right_password_clears_the_emails_count(make_api: ApiFactory):
    async with make_api(sign_in_failures_per_account=2) as api:
        await api.tenant("peak")
        await person(api, "peak", "sam@peak.example")
        attempts = []
        for password in ("wrong one 1", PASSWORD, "wrong one 2", PASSWORD):
            response = await api.http.post(
                "/v1/auth/sign-in", json={"email": "sam@peak.example", "password": password}
            )
            attempts.append(response.status_code)
    assert attempts == [401, 200, 401, 200]


async def test_changes_made_with_the_cookie_need_the_csrf_token(api: Api):
    await api.tenant("peak")
    await person(api, "peak", "sam@peak.example")
    async with browser(api) as client:
        csrf = (await sign_in(client, "sam@peak.example"))["csrf_token"]
        body = {"name": "Mike", "role": "crew"}

        missing = await client.post("/v1/tenants/peak/users", json=body)
        wrong = await client.post("/v1/tenants/peak/users", json=body, headers={CSRF: "x" + csrf[1:]})
        read = await client.get("/v1/tenants/peak/users")
        right = await client.post("/v1/tenants/peak/users", json=body, headers={CSRF: csrf})
        deleted = await client.delete(f"/v1/tenants/peak/users/{right.json()['id']}", headers={CSRF: csrf})

    for refused in (missing, wrong):
        assert (refused.status_code, refused.json()["type"]) == (403, PROBLEMS + "csrf-failed")
        assert CSRF in refused.json()["detail"]
    assert read.status_code == 200
    assert right.status_code == 201, right.text
    assert deleted.status_code == 204
    names = [u["name"] for u in (await api.http.get("/v1/tenants/peak/users", headers=api.operator)).json()]
    assert names == ["Sam"]  # the refused requests added no one


async def test_a_bearer_credential_needs_no_csrf_token_even_beside_a_cookie(api: Api):
    await api.tenant("peak")
    await person(api, "peak", "sam@peak.example")
    key = await api.key("peak", "admin")
    async with browser(api) as client:
        await sign_in(client, "sam@peak.example")
        added = await client.post("/v1/tenants/peak/users", json={"name": "Mike"}, headers=key["headers"])
    assert added.status_code == 201, added.text


ADMIN_PAGES = ("/users", "/api-keys", "/settings", "/audit", "")


@pytest.mark.parametrize("role", ["crew", "read_only", "sales_rep"])
async def test_a_person_without_admin_gets_403_on_admin_routes_and_200_on_their_own(api: Api, role: str):
    await api.tenant("peak")
    await person(api, "peak", "tony@peak.example", role=role)
    async with browser(api) as client:
        me = await sign_in(client, "tony@peak.example")
        refused = {page: await client.get(f"/v1/tenants/peak{page}") for page in ADMIN_PAGES}
        added = await client.post(
            "/v1/tenants/peak/api-keys",
            json={"name": "x", "scopes": ["admin"]},
            headers={CSRF: me["csrf_token"]},
        )
        tools = await client.get("/v1/tools")
        found = await client.post("/v1/tools/find_jobs", json={}, headers={CSRF: me["csrf_token"]})
        talk = await client.post("/v1/conversations", headers={CSRF: me["csrf_token"]})

    assert "admin" not in me["permissions"] and {"tools:read", "conversations"} <= set(me["permissions"])
    for page, response in {**refused, "POST /api-keys": added}.items():
        assert (response.status_code, response.json()["type"]) == (403, PROBLEMS + "insufficient-scope"), page
        assert "ask an owner or manager" in response.json()["detail"].lower()
    assert tools.status_code == 200 and tools.json()
    assert found.status_code == 200, found.text
    assert talk.status_code == 201, talk.text


async def test_an_owner_and_a_manager_reach_the_admin_routes(api: Api):
    await api.tenant("peak")
    await person(api, "peak", "sam@peak.example", role="owner")
    await person(api, "peak", "mia@peak.example", role="manager")
    for email in ("sam@peak.example", "mia@peak.example"):
        async with browser(api) as client:
            await sign_in(client, email)
            answers = {
                page: (await client.get(f"/v1/tenants/peak{page}")).status_code for page in ADMIN_PAGES
            }
        assert set(answers.values()) == {200}, (email, answers)


async def test_a_person_cannot_reach_another_tenant(api: Api):
    await api.tenant("peak")
    await api.tenant("rival")
    await person(api, "peak", "sam@peak.example")
    async with browser(api) as client:
        await sign_in(client, "sam@peak.example")
        response = await client.get("/v1/tenants/rival/users")
        tenants = await client.get("/v1/tenants")
    assert (response.status_code, response.json()["type"]) == (403, PROBLEMS + "wrong-tenant")
    assert (tenants.status_code, tenants.json()["type"]) == (403, PROBLEMS + "operator-only")


async def test_signing_out_ends_this_session_and_everywhere_ends_them_all(api: Api):
    await api.tenant("peak")
    await person(api, "peak", "sam@peak.example")
    async with browser(api) as laptop, browser(api) as phone, browser(api) as tablet:
        laptop_me = await sign_in(laptop, "sam@peak.example")
        phone_me = await sign_in(phone, "sam@peak.example")
        await sign_in(tablet, "sam@peak.example")

        no_csrf = await laptop.post("/v1/auth/sign-out")
        out = await laptop.post("/v1/auth/sign-out", headers={CSRF: laptop_me["csrf_token"]})
        laptop_after = await laptop.get("/v1/auth/me")
        phone_between = await phone.get("/v1/auth/me")
        everywhere = await phone.post("/v1/auth/sign-out-everywhere", headers={CSRF: phone_me["csrf_token"]})
        phone_after = await phone.get("/v1/auth/me")
        tablet_after = await tablet.get("/v1/tenants/peak/users")
        again = await laptop.post("/v1/auth/sign-out")

    assert (no_csrf.status_code, no_csrf.json()["type"]) == (403, PROBLEMS + "csrf-failed")
    assert out.status_code == 204 and 'harde_session=""' in set_cookie_of(out)
    assert laptop_after.status_code == 401
    assert phone_between.status_code == 200  # signing out here leaves the other devices signed in
    assert everywhere.status_code == 204
    assert phone_after.status_code == 401 and tablet_after.status_code == 401
    assert tablet_after.json()["type"] == PROBLEMS + "not-signed-in"
    assert again.status_code == 204  # signing out twice is harmless
    assert not [key async for key in api.admin.redis.scan_iter("websession:*")]


async def test_a_removed_users_and_an_erased_tenants_sessions_stop_at_once(api: Api):
    await api.tenant("peak")
    await api.tenant("gone")
    mike = await person(api, "peak", "mike@peak.example", role="manager")
    await person(api, "gone", "ann@gone.example")
    async with browser(api) as mikes, browser(api) as anns:
        await sign_in(mikes, "mike@peak.example")
        await sign_in(anns, "ann@gone.example")
        removed = await api.http.delete(f"/v1/tenants/peak/users/{mike['id']}", headers=api.operator)
        erased = await api.http.delete("/v1/tenants/gone", headers=api.operator)
        mike_after = await mikes.get("/v1/tenants/peak/users")
        ann_after = await anns.get("/v1/auth/me")

    assert (removed.status_code, erased.status_code) == (204, 200)
    for response in (mike_after, ann_after):
        assert (response.status_code, response.json()["type"]) == (401, PROBLEMS + "not-signed-in")
        assert "harde_session=" in response.headers["set-cookie"]  # the dead cookie is cleared
    again = await api.http.post("/v1/auth/sign-in", json={"email": "ann@gone.example", "password": PASSWORD})
    assert again.status_code == 401  # the erased tenant's email signs nobody in


async def test_a_session_dies_with_its_tenant_even_if_a_new_one_takes_the_id(api: Api):
    await api.tenant("peak")
    await person(api, "peak", "sam@peak.example")
    async with browser(api) as client:
        await sign_in(client, "sam@peak.example")
        token = client.cookies["harde_session"]
        redis = api.admin.redis
        key = next(iter([k async for k in redis.scan_iter("websession:*")]))
        record = await redis.get(key)
        await api.http.delete("/v1/tenants/peak", headers=api.operator)
        await api.tenant("peak")
        await redis.set(key, record)  # even a session record that outlived its tenant
        after = await client.get("/v1/auth/me")
    assert token and after.status_code == 401


async def test_a_changed_role_applies_to_a_live_session_at_once(api: Api):
    await api.tenant("peak")
    mia = await person(api, "peak", "mia@peak.example", role="manager")
    async with browser(api) as client:
        await sign_in(client, "mia@peak.example")
        before = await client.get("/v1/tenants/peak/users")
        await api.http.patch(
            f"/v1/tenants/peak/users/{mia['id']}", json={"role": "crew"}, headers=api.operator
        )
        after = await client.get("/v1/tenants/peak/users")
        me = (await client.get("/v1/auth/me")).json()
    assert (before.status_code, after.status_code) == (200, 403)
    assert me["user"]["role"] == "crew" and "admin" not in me["permissions"]


async def test_a_session_idles_out_after_12_hours_and_never_lasts_past_7_days(api: Api):
    await api.tenant("peak")
    await person(api, "peak", "sam@peak.example")
    redis = api.admin.redis
    async with browser(api) as client:
        await sign_in(client, "sam@peak.example")
        [key] = [k async for k in redis.scan_iter("websession:*")]
        idle_ms = await redis.pttl(key)
        assert timedelta(hours=11, minutes=59) < timedelta(milliseconds=idle_ms) <= timedelta(hours=12)

        six_days_later = WebSessions(redis, clock=lambda: utcnow() + timedelta(days=6, hours=23))
        api.app.state.admin = dataclasses.replace(api.admin, web_sessions=six_days_later)
        await redis.pexpire(key, 60_000)  # as if last used long ago: the next request extends it
        late = await client.get("/v1/auth/me")
        capped_ms = await redis.pttl(key)

        a_week_later = WebSessions(redis, clock=lambda: utcnow() + timedelta(days=7, seconds=1))
        api.app.state.admin = dataclasses.replace(api.admin, web_sessions=a_week_later)
        expired = await client.get("/v1/auth/me")

    assert late.status_code == 200
    assert timedelta(minutes=59) < timedelta(milliseconds=capped_ms) <= timedelta(hours=1)  # not 12 h
    assert (expired.status_code, expired.json()["type"]) == (401, PROBLEMS + "not-signed-in")
    assert await redis.exists(key) == 0


async def test_a_trial_that_ended_still_signs_in_but_cannot_talk(api: Api):
    await api.tenant("peak", trial={"expires_at": (utcnow() - timedelta(days=1)).isoformat()})
    await person(api, "peak", "sam@peak.example")
    async with browser(api) as client:
        me = await sign_in(client, "sam@peak.example")
        users = await client.get("/v1/tenants/peak/users")
        talk = await client.post("/v1/conversations", headers={CSRF: me["csrf_token"]})
    assert me["tenant"]["trial"]["expires_at"]
    assert users.status_code == 200
    assert (talk.status_code, talk.json()["type"]) == (402, PROBLEMS + "trial-expired")


async def test_the_operator_signs_in_with_the_operator_token_and_acts_as_the_operator(api: Api):
    operator_token = api.operator["Authorization"].removeprefix("Bearer ")
    async with browser(api) as client:
        wrong = await client.post("/v1/auth/operator-sign-in", json={"token": "hdo_" + "x" * 43})
        signed = await client.post("/v1/auth/operator-sign-in", json={"token": operator_token})
        me = await client.get("/v1/auth/me")
        tenants = await client.get("/v1/tenants")
        created = await client.post(
            "/v1/tenants",
            json={"id": "peak", "name": "Peak", "crm": "sandbox"},
            headers={CSRF: signed.json()["csrf_token"]},
        )
        rotated = dataclasses.replace(
            api.admin,
            settings=api.admin.settings.model_copy(update={"operator_token_hash": "sha256:" + "0" * 64}),
        )
        api.app.state.admin = rotated
        after_rotation = await client.get("/v1/auth/me")

    assert (wrong.status_code, wrong.json()["type"]) == (401, PROBLEMS + "invalid-credentials")
    assert signed.status_code == 200, signed.text
    assert me.json()["kind"] == "operator" and me.json()["user"] is None and me.json()["tenant"] is None
    assert "admin" in me.json()["permissions"]
    assert tenants.status_code == 200
    assert created.status_code == 201, created.text
    assert after_rotation.status_code == 401  # a new operator token ends the old one's sessions


async def test_a_forged_or_malformed_cookie_is_not_signed_in(api: Api):
    for value in ("hds_" + "A" * 43, "nonsense", "hds_" + "x" * 500):
        async with httpx.AsyncClient(base_url=api.http.base_url, cookies={"harde_session": value}) as client:
            me = await client.get("/v1/auth/me")
            users = await client.get("/v1/tenants/demo-roofing/users")
        assert (me.status_code, me.json()["type"]) == (401, PROBLEMS + "not-signed-in")
        assert (users.status_code, users.json()["type"]) == (401, PROBLEMS + "not-signed-in")


async def test_email_is_unique_across_tenants(api: Api):
    await api.tenant("peak")
    await api.tenant("rival")
    await person(api, "peak", "sam@peak.example")
    clash = await api.http.post(
        "/v1/tenants/rival/users", json={"name": "Sam", "email": "SAM@peak.example"}, headers=api.operator
    )
    assert (clash.status_code, clash.json()["type"]) == (409, PROBLEMS + "email-taken")


async def test_a_signed_in_person_may_send_a_body_as_large_as_a_key_may(api: Api):
    await api.tenant("peak")
    await person(api, "peak", "sam@peak.example")
    soul = {"soul_document": "é" * 40_000}  # over 64 KiB on the wire, under 50,000 characters
    async with browser(api) as client:
        csrf = (await sign_in(client, "sam@peak.example"))["csrf_token"]
        signed_in = await client.patch("/v1/tenants/peak/settings", json=soul, headers={CSRF: csrf})
    anonymous = await api.http.patch("/v1/tenants/peak/settings", json=soul)
    assert signed_in.status_code == 200, signed_in.text
    assert (anonymous.status_code, anonymous.json()["type"]) == (413, PROBLEMS + "request-too-large")
