"""Memory control and outbound calls through the admin API, on the live app."""

from __future__ import annotations

from memory import COMPANY, MemoryTier
from testkit.fakes.twilio_rest import FakeTwilioRest
from testkit.servers import serve
from tests.api.conftest import Api


async def test_memories_can_be_listed_searched_corrected_deleted_and_a_user_forgotten(api: Api) -> None:
    await api.tenant("acme")
    users = api.http
    mike = (
        await users.post("/v1/tenants/acme/users", json={"name": "Mike Alvarez"}, headers=api.operator)
    ).json()
    store = api.admin.brain.memory
    territory = await store.remember(
        "acme",
        tier=MemoryTier.PERSON,
        subject=mike["id"],
        text="Mike covers Boulder County",
        source_session="s1",
    )
    await store.remember(
        "acme",
        tier=MemoryTier.COMPANY,
        subject=COMPANY,
        text="Crew B does the metal roofs",
        source_session="s2",
    )
    await store.note_company_claim("acme", "Saturday installs cost extra", mike["id"])
    key = await api.key("acme", "admin")

    listed = (await users.get("/v1/tenants/acme/memories", headers=key["headers"])).json()
    assert {m["text"] for m in listed} == {"Mike covers Boulder County", "Crew B does the metal roofs"}
    found = (
        await users.get("/v1/tenants/acme/memories", params={"q": "metal roof"}, headers=key["headers"])
    ).json()
    assert [m["text"] for m in found] == ["Crew B does the metal roofs"]
    mine = (
        await users.get("/v1/tenants/acme/memories", params={"about": mike["id"]}, headers=key["headers"])
    ).json()
    assert [m["id"] for m in mine] == [territory.id]

    corrected = await users.patch(
        f"/v1/tenants/acme/memories/{territory.id}", json={"text": "Mike covers Boulder and Longmont"},
        headers=key["headers"],
    )  # fmt: skip
    assert corrected.json()["text"] == "Mike covers Boulder and Longmont"

    forgotten = await users.delete(f"/v1/tenants/acme/users/{mike['id']}/memories", headers=key["headers"])
    assert forgotten.json() == {"memories_removed": 1}
    assert await store.of_subject("acme", mike["id"]) == []
    assert await api.admin.redis.hlen("t:acme:memory:candidates") == 0

    company = listed[0]["id"] if listed[0]["about"] == COMPANY else listed[1]["id"]
    assert (
        await users.delete(f"/v1/tenants/acme/memories/{company}", headers=key["headers"])
    ).status_code == 204
    missing = await users.delete(f"/v1/tenants/acme/memories/{company}", headers=key["headers"])
    assert missing.status_code == 404 and missing.json()["type"].endswith("/memory-not-found")


async def test_another_tenants_key_sees_none_of_its_memories(api: Api) -> None:
    await api.tenant("acme")
    await api.tenant("rival")
    await api.admin.brain.memory.remember(
        "acme", tier=MemoryTier.COMPANY, subject=COMPANY, text="Acme's secret margin", source_session="s"
    )
    rival = await api.key("rival", "admin")
    response = await api.http.get("/v1/tenants/acme/memories", headers=rival["headers"])
    assert response.status_code == 403 and "Acme's secret margin" not in response.text


async def test_an_outbound_call_is_placed_through_twilio(make_api) -> None:
    twilio = FakeTwilioRest()
    async with serve(twilio.app) as twilio_url, make_api(
        twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
        twilio_api_base_url=twilio_url, public_url="https://voice.example.com",
    ) as api:  # fmt: skip
        await api.tenant("acme")
        await api.http.post("/v1/tenants/acme/numbers", json={"number": "+15125550000"}, headers=api.operator)
        dana = await api.http.post(
            "/v1/tenants/acme/users",
            json={"name": "Dana", "phones": ["+15125550101"]},
            headers=api.operator,
        )
        placed = await api.http.post(
            "/v1/tenants/acme/calls", json={"user_id": dana.json()["id"]}, headers=api.operator
        )
        assert placed.status_code == 202, placed.text
        assert placed.json()["call_sid"].startswith("CA")
        assert twilio.created[-1]["To"] == "+15125550101"
        assert twilio.created[-1]["Url"].startswith("https://voice.example.com/twilio/voice?outbound=")

        user_id = dana.json()["id"]
        briefing = f"/v1/tenants/acme/users/{user_id}/briefing"
        scheduled = await api.http.put(briefing, json={"time": "07:30"}, headers=api.operator)
        assert scheduled.status_code == 200, scheduled.text
        assert scheduled.json() == {"time": "07:30:00", "timezone": "America/Chicago"}
        assert (await api.http.get(briefing, headers=api.operator)).json()["time"] == "07:30:00"
        assert (await api.http.delete(briefing, headers=api.operator)).status_code == 204
        assert (await api.http.get(briefing, headers=api.operator)).json() is None
        no_phone = (
            await api.http.post("/v1/tenants/acme/users", json={"name": "Rita"}, headers=api.operator)
        ).json()
        refused = await api.http.put(
            f"/v1/tenants/acme/users/{no_phone['id']}/briefing", json={"time": "07:30"}, headers=api.operator
        )
        assert refused.status_code == 409 and "no phone number" in refused.json()["detail"]
        bad = await api.http.put(briefing, json={"time": "25:00"}, headers=api.operator)
        assert bad.status_code == 422


async def test_without_twilio_an_outbound_call_is_refused_plainly(api: Api) -> None:
    await api.tenant("acme")
    dana = await api.http.post("/v1/tenants/acme/users", json={"name": "Dana"}, headers=api.operator)
    refused = await api.http.post(
        "/v1/tenants/acme/calls", json={"user_id": dana.json()["id"]}, headers=api.operator
    )
    assert refused.status_code == 409
    assert "not configured" in refused.json()["detail"]
