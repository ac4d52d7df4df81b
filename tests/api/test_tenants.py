"""Tenants and what belongs to them, as the operator and a tenant admin manage them over HTTP."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.test_sign_in import browser, person, sign_in

PROBLEMS = "https://hard-e.dev/problems/"


async def test_the_operator_creates_lists_renames_and_ends_a_trial(api: Api):
    created = await api.tenant("acme", name="Acme Roofing", trial={"max_messages": 50})
    assert created["leap"] == {"crm": "sandbox", "token_set": True, "verified_at": None}

    listed = (await api.http.get("/v1/tenants", headers=api.operator)).json()
    assert [tenant["id"] for tenant in listed] == ["acme", "demo-roofing"]

    renamed = await api.http.patch(
        "/v1/tenants/acme", json={"name": "Acme Roofing & Siding"}, headers=api.operator
    )
    assert renamed.json()["name"] == "Acme Roofing & Siding"
    assert renamed.json()["trial"]["max_messages"] == 50  # untouched: not sent

    paying = await api.http.patch("/v1/tenants/acme", json={"trial": None}, headers=api.operator)
    assert paying.json()["trial"] is None
    assert (await api.http.get("/v1/tenants/acme", headers=api.operator)).json()[
        "name"
    ] == "Acme Roofing & Siding"


async def test_creating_a_tenant_twice_or_with_a_bad_id_is_refused_with_the_reason(api: Api):
    await api.tenant("acme")

    again = await api.http.post("/v1/tenants", json={"id": "acme", "name": "Other"}, headers=api.operator)
    bad = await api.http.post(
        "/v1/tenants",
        json={"id": "Acme Roofing!", "name": "x", "timezone": "Mars/Olympus"},
        headers=api.operator,
    )

    assert again.status_code == 409
    assert again.json()["type"] == PROBLEMS + "tenant-exists"
    assert bad.status_code == 422
    assert {error["loc"][-1] for error in bad.json()["errors"]} == {"id"}
    zone = await api.http.post(
        "/v1/tenants", json={"id": "mars", "name": "x", "timezone": "Mars/Olympus"}, headers=api.operator
    )
    assert zone.status_code == 422
    assert "Mars/Olympus" in zone.json()["detail"]


async def test_settings_change_only_what_is_sent_and_are_audited(api: Api):
    await api.tenant("acme")
    admin = await api.key("acme", "admin")

    changed = await api.http.patch(
        "/v1/tenants/acme/settings",
        json={
            "timezone": "America/Denver",
            "voice": {"turn_stop_secs": 1.2},
            "unknown_caller_policy": "refuse",
        },
        headers=admin["headers"],
    )

    assert changed.status_code == 200, changed.text
    settings = (await api.http.get("/v1/tenants/acme/settings", headers=admin["headers"])).json()
    assert settings["timezone"] == "America/Denver"
    assert settings["voice"]["turn_stop_secs"] == 1.2
    assert settings["voice"]["max_call_minutes"] == 30  # kept, though the voice object was sent
    assert settings["unknown_caller_policy"] == "refuse"
    out_of_range = await api.http.patch(
        "/v1/tenants/acme/settings", json={"voice": {"turn_stop_secs": 60}}, headers=admin["headers"]
    )
    assert out_of_range.status_code == 422
    audit = (await api.http.get("/v1/tenants/acme/audit", headers=admin["headers"])).json()["entries"]
    assert (audit[0]["event"], audit[0]["actor"], audit[0]["detail"]) == (
        "settings.updated",
        f"key:{admin['id']}",
        "timezone, unknown_caller_policy, voice",
    )


async def test_users_are_added_changed_and_removed_and_a_phone_rings_one_user(api: Api):
    await api.tenant("acme")
    admin = await api.key("acme", "admin")
    path = "/v1/tenants/acme/users"

    mike = await api.http.post(
        path, json={"name": "Mike", "phones": ["(512) 555-0102"], "pin": "2468"}, headers=admin["headers"]
    )
    assert mike.status_code == 201
    assert (mike.json()["phones"], mike.json()["has_pin"]) == (["+15125550102"], True)
    clash = await api.http.post(
        path, json={"name": "Ann", "phones": ["+1 512 555 0102"]}, headers=admin["headers"]
    )
    assert clash.status_code == 409
    assert clash.json()["type"] == PROBLEMS + "phone-taken"

    user_id = mike.json()["id"]
    changed = await api.http.patch(
        f"{path}/{user_id}", json={"role": "manager", "pin": None}, headers=admin["headers"]
    )
    assert (changed.json()["role"], changed.json()["has_pin"], changed.json()["phones"]) == (
        "manager",
        False,
        ["+15125550102"],
    )
    assert (await api.http.delete(f"{path}/{user_id}", headers=admin["headers"])).status_code == 204
    gone = await api.http.get(f"{path}/{user_id}", headers=admin["headers"])
    assert gone.status_code == 404
    assert gone.json()["type"] == PROBLEMS + "user-not-found"


async def test_numbers_are_assigned_by_the_operator_and_read_by_the_tenant(api: Api):
    await api.tenant("acme")
    await api.tenant("other")
    admin = await api.key("acme", "admin")

    by_tenant = await api.http.post(
        "/v1/tenants/acme/numbers", json={"number": "+15125550100"}, headers=admin["headers"]
    )
    assert by_tenant.status_code == 403
    assert by_tenant.json()["type"] == PROBLEMS + "operator-only"

    assigned = await api.http.post(
        "/v1/tenants/acme/numbers", json={"number": "512-555-0100"}, headers=api.operator
    )
    assert assigned.json() == {"number": "+15125550100"}
    taken = await api.http.post(
        "/v1/tenants/other/numbers", json={"number": "+15125550100"}, headers=api.operator
    )
    assert taken.status_code == 409
    assert (await api.http.get("/v1/tenants/acme/numbers", headers=admin["headers"])).json() == [
        {"number": "+15125550100"}
    ]
    released = await api.http.delete("/v1/tenants/acme/numbers/%2B15125550100", headers=api.operator)
    assert released.status_code == 204
    assert await api.admin.tenants.tenant_for_number("+15125550100") is None


async def test_usage_is_reported_per_day(api: Api):
    await api.tenant("acme")
    admin = await api.key("acme", "admin", "tools:read")
    await api.http.post("/v1/tools/company_config", json={}, headers=admin["headers"])
    await api.admin.usage.add_voice_seconds("acme", 90)

    usage = (
        await api.http.get("/v1/tenants/acme/usage", params={"days": 7}, headers=admin["headers"])
    ).json()

    assert len(usage["days"]) == 7
    assert usage["days"][-1] | {"day": None} == {
        "day": None,
        "messages": 0,
        "voice_minutes": 1.5,
        "tool_calls": 1,
    }
    assert (usage["messages"], usage["voice_minutes"], usage["tool_calls"]) == (0, 1.5, 1)


async def test_erasing_a_tenant_removes_its_data_blobs_and_keys(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "knowledge", "admin")
    upload = await api.http.post(
        "/v1/tenants/acme/knowledge",
        files={"file": ("warranty.md", b"# Warranty\n\nFifty years on shingles.", "text/markdown")},
        headers=key["headers"],
    )
    assert upload.status_code == 201, upload.text
    await api.http.post("/v1/tenants/acme/numbers", json={"number": "+15125550100"}, headers=api.operator)

    erased = await api.http.delete("/v1/tenants/acme", headers=api.operator)

    assert erased.status_code == 200
    assert erased.json()["api_keys"] == 1 and erased.json()["blobs"] >= 1
    assert [key async for key in api.admin.redis.scan_iter(match="t:acme:*")] == []
    assert await api.admin.blobs.list_keys("t/acme/") == []
    assert await api.admin.tenants.tenant_for_number("+15125550100") is None
    after = await api.http.get("/v1/tenants/acme/settings", headers=key["headers"])
    assert after.status_code == 401
    assert (await api.http.get("/v1/tenants/acme", headers=api.operator)).status_code == 404


async def test_only_an_owner_or_the_operator_changes_or_removes_an_owner(api: Api):
    await api.tenant("peak")
    owner = await person(api, "peak", "sam@peak.example", role="owner")
    manager = await person(api, "peak", "ana@peak.example", role="manager")
    key = await api.key("peak", "admin")  # what a manager could make to get round the rule
    async with browser(api) as tab:
        me = await sign_in(tab, "ana@peak.example")
        csrf = {"X-CSRF-Token": me["csrf_token"]}
        demote = await tab.patch(f"/v1/tenants/peak/users/{owner['id']}", json={"role": "crew"}, headers=csrf)
        remove = await tab.delete(f"/v1/tenants/peak/users/{owner['id']}", headers=csrf)
        promote = await tab.patch(
            f"/v1/tenants/peak/users/{manager['id']}", json={"role": "owner"}, headers=csrf
        )
        renamed = await tab.patch(f"/v1/tenants/peak/users/{owner['id']}", json={"name": "Sam"}, headers=csrf)
    by_key = await api.http.delete(f"/v1/tenants/peak/users/{owner['id']}", headers=key["headers"])

    for refused in (demote, remove, promote, by_key):
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == PROBLEMS + "owner-only"
        assert "Only an owner" in refused.json()["detail"]
    assert renamed.status_code == 200  # other changes stay open to managers
    users = {
        user["id"]: user["role"]
        for user in (await api.http.get("/v1/tenants/peak/users", headers=api.operator)).json()
    }
    assert users == {owner["id"]: "owner", manager["id"]: "manager"}


async def test_nobody_removes_or_demotes_the_last_owner(api: Api):
    await api.tenant("peak")
    sam = await person(api, "peak", "sam@peak.example", role="owner")
    ana = await person(api, "peak", "ana@peak.example", role="manager")
    async with browser(api) as tab:
        me = await sign_in(tab, "sam@peak.example")
        csrf = {"X-CSRF-Token": me["csrf_token"]}
        step_down = await tab.patch(
            f"/v1/tenants/peak/users/{sam['id']}", json={"role": "manager"}, headers=csrf
        )
        by_operator = await api.http.delete(f"/v1/tenants/peak/users/{sam['id']}", headers=api.operator)
        promoted = await tab.patch(
            f"/v1/tenants/peak/users/{ana['id']}", json={"role": "owner"}, headers=csrf
        )
        stepped_down = await tab.patch(
            f"/v1/tenants/peak/users/{sam['id']}", json={"role": "manager"}, headers=csrf
        )
    last = await api.http.delete(f"/v1/tenants/peak/users/{ana['id']}", headers=api.operator)

    for refused in (step_down, by_operator, last):
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"] == PROBLEMS + "last-owner"
        assert "only owner" in refused.json()["detail"]
    assert promoted.status_code == 200 and stepped_down.status_code == 200
    assert stepped_down.json()["role"] == "manager"
