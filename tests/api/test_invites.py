"""Invite links: a trial tenant on the sandbox CRM in one step, once per link."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from testkit.fakes.anthropic import reply
from tests.api.conftest import Api, bearer

PROBLEMS = "https://hard-e.dev/problems/"


async def invite(api: Api, **limits) -> dict:
    body = {"trial_days": 7, "max_messages": 25, "max_voice_minutes": 10, "note": "expo", **limits}
    response = await api.http.post("/v1/invites", json=body, headers=api.operator)
    assert response.status_code == 201, response.text
    created: dict = response.json()
    return created


def redemption(code: str, company: str = "Peak Roofing") -> dict:
    return {"code": code, "company_name": company, "your_name": "Sam Ortiz", "email": "Sam@Peak.example"}


async def test_redeeming_an_invite_starts_a_trial_on_the_sandbox_and_talks_at_once(api: Api):
    created = await invite(api)
    assert created["url"] == f"http://localhost:8000/app/welcome?invite={created['code']}"
    api.fake.script(reply("Welcome to Hard-E, Sam."))

    redeemed = await api.http.post("/v1/invites/redeem", json=redemption(created["code"]))

    assert redeemed.status_code == 201, redeemed.text
    tenant, widget = redeemed.json()["tenant"], redeemed.json()["widget"]
    assert tenant["id"].startswith("peak-roofing-") and tenant["name"] == "Peak Roofing"
    assert tenant["leap"]["crm"] == "sandbox" and tenant["leap"]["token_set"]
    assert (tenant["trial"]["max_messages"], tenant["trial"]["max_voice_minutes"]) == (25, 10)
    trial_end = datetime.fromisoformat(tenant["trial"]["expires_at"])
    assert timedelta(days=6, hours=23) < trial_end - datetime.now(UTC) <= timedelta(days=7)
    owner = await api.admin.tenants.get_user(tenant["id"], redeemed.json()["user_id"])
    assert (owner.name, owner.role.value, owner.email) == ("Sam Ortiz", "owner", "sam@peak.example")
    assert (await api.leap_data(tenant["id"])).customers  # the sandbox company is there to try

    conversation = (await api.http.post("/v1/conversations", headers=bearer(widget["token"]))).json()["id"]
    answer = await api.http.post(
        f"/v1/conversations/{conversation}/messages", json={"text": "hello"}, headers=bearer(widget["token"])
    )
    assert answer.json()["reply"] == "Welcome to Hard-E, Sam."
    assert answer.json()["trial_messages_left"] == 24
    listed = (await api.http.get("/v1/invites", headers=api.operator)).json()
    assert (listed[0]["tenant_id"], listed[0]["redeemed_at"] is not None) == (tenant["id"], True)
    assert created["code"] not in str(listed)


async def test_an_invite_works_once_even_when_clicked_twice_at_the_same_moment(api: Api):
    created = await invite(api)

    responses = await asyncio.gather(
        *(
            api.http.post("/v1/invites/redeem", json=redemption(created["code"], f"Company {n}"))
            for n in range(5)
        )
    )

    assert sorted(response.status_code for response in responses) == [201, 410, 410, 410, 410]
    assert {r.json()["type"] for r in responses if r.status_code == 410} == {PROBLEMS + "invite-used"}
    trial_tenants = [t for t in (await api.admin.tenants.list_tenants()) if t.trial is not None]
    assert len(trial_tenants) == 1


async def test_unknown_revoked_and_expired_invites_are_refused_and_create_nothing(api: Api):
    revoked = await invite(api)
    await api.http.delete(f"/v1/invites/{revoked['id']}", headers=api.operator)
    _, expired_code = await api.admin.invites.create(  # the API refuses a past expiry; the store does not
        created_by="operator",
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
        trial_days=7,
        max_messages=None,
        max_voice_minutes=None,
    )

    unknown = await api.http.post("/v1/invites/redeem", json=redemption("hdi_neverIssuedThisCode"))
    gone = await api.http.post("/v1/invites/redeem", json=redemption(revoked["code"]))
    late = await api.http.post("/v1/invites/redeem", json=redemption(expired_code))

    assert (unknown.status_code, unknown.json()["type"]) == (404, PROBLEMS + "invite-not-found")
    assert (gone.status_code, gone.json()["type"]) == (410, PROBLEMS + "invite-revoked")
    assert (late.status_code, late.json()["type"]) == (410, PROBLEMS + "invite-expired")
    assert [t.id for t in await api.admin.tenants.list_tenants()] == ["demo-roofing"]


async def test_only_the_operator_manages_invites(api: Api):
    await api.tenant("acme")
    key = await api.key("acme")

    response = await api.http.post("/v1/invites", json={}, headers=key["headers"])

    assert response.status_code == 403
    assert response.json()["type"] == PROBLEMS + "operator-only"


async def test_redeeming_with_a_password_creates_the_owners_account_and_signs_them_in(api: Api):
    created = await invite(api)
    body = {**redemption(created["code"]), "password": "three green ladders"}

    async with httpx.AsyncClient(base_url=api.http.base_url) as browser:
        redeemed = await browser.post("/v1/invites/redeem", json=body)
        me = await browser.get("/v1/auth/me")

    assert redeemed.status_code == 201, redeemed.text
    assert "harde_session=hds_" in redeemed.headers["set-cookie"]
    assert me.status_code == 200, me.text
    assert redeemed.json()["me"] == me.json()
    assert me.json()["user"] == {
        "id": redeemed.json()["user_id"],
        "name": "Sam Ortiz",
        "email": "sam@peak.example",
        "role": "owner",
    }
    assert me.json()["tenant"]["id"] == redeemed.json()["tenant"]["id"]
    assert "admin" in me.json()["permissions"]
    again = await api.http.post(
        "/v1/auth/sign-in", json={"email": "sam@peak.example", "password": "three green ladders"}
    )
    assert again.status_code == 200


async def test_redeeming_without_a_password_signs_nobody_in(api: Api):
    created = await invite(api)
    redeemed = await api.http.post("/v1/invites/redeem", json=redemption(created["code"]))
    assert redeemed.status_code == 201 and redeemed.json()["me"] is None
    assert "set-cookie" not in redeemed.headers


async def test_a_password_needs_an_email_and_ten_characters_and_spends_no_invite(api: Api):
    created = await invite(api)
    no_email = {**redemption(created["code"]), "email": None, "password": "three green ladders"}
    short = {**redemption(created["code"]), "password": "short"}

    answers = [await api.http.post("/v1/invites/redeem", json=body) for body in (no_email, short)]

    assert [(a.status_code, a.json()["type"]) for a in answers] == [(422, PROBLEMS + "validation-error")] * 2
    assert "email" in answers[0].json()["detail"] and "10 characters" in answers[1].json()["detail"]
    assert (await api.http.get("/v1/invites/lookup", params={"code": created["code"]})).status_code == 200


async def test_an_email_that_already_has_an_account_leaves_no_half_made_trial(api: Api):
    first, second = await invite(api), await invite(api)
    assert (await api.http.post("/v1/invites/redeem", json=redemption(first["code"]))).status_code == 201

    clash = await api.http.post("/v1/invites/redeem", json=redemption(second["code"], "Other Roofing"))

    assert (clash.status_code, clash.json()["type"]) == (409, PROBLEMS + "email-taken")
    assert len([t for t in await api.admin.tenants.list_tenants() if t.trial is not None]) == 1
    assert (await api.http.get("/v1/invites/lookup", params={"code": second["code"]})).status_code == 200


async def test_lookup_shows_the_trial_or_why_the_invite_no_longer_works(api: Api):
    fresh = await invite(api, trial_days=10, max_messages=50, max_voice_minutes=None)
    used = await invite(api)
    await api.http.post("/v1/invites/redeem", json=redemption(used["code"]))
    revoked = await invite(api)
    await api.http.delete(f"/v1/invites/{revoked['id']}", headers=api.operator)
    _, expired_code = await api.admin.invites.create(
        created_by="operator",
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
        trial_days=7,
        max_messages=None,
        max_voice_minutes=None,
    )

    async def lookup(code: str) -> httpx.Response:
        return await api.http.get("/v1/invites/lookup", params={"code": code})

    shown = await lookup(fresh["code"])
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "trial_days": 10,
        "max_messages": 50,
        "max_voice_minutes": None,
        "expires_at": fresh["expires_at"],
    }
    refused = {
        "hdi_neverIssuedThisCode": (404, "invite-not-found"),
        used["code"]: (410, "invite-used"),
        revoked["code"]: (410, "invite-revoked"),
        expired_code: (410, "invite-expired"),
    }
    for code, (status, kind) in refused.items():
        answer = await lookup(code)
        assert (answer.status_code, answer.json()["type"]) == (status, PROBLEMS + kind), code
        assert "ask" in answer.json()["detail"] or "copied" in answer.json()["detail"]
    assert (await lookup(fresh["code"])).status_code == 200  # looking does not spend it


async def test_lookup_is_throttled_like_any_credential(make_api):
    async with make_api(auth_failures_per_window=2) as api:
        answers = [
            (await api.http.get("/v1/invites/lookup", params={"code": f"hdi_wrongCode{n}"})).status_code
            for n in range(3)
        ]
    assert answers == [404, 404, 429]
