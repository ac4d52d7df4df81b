"""The onboarding's own endpoints on the live app: progress that survives a return visit, the
company's trades, what is left of a trial after real messages, and usage across tenants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from testkit.fakes.anthropic import reply
from tests.api.conftest import Api

STEPS = ["company", "leap", "personality", "knowledge", "team", "talk"]


async def test_onboarding_progress_is_kept_step_by_step(api: Api) -> None:
    await api.tenant("acme")
    key = await api.key("acme", "admin")
    url = "/v1/tenants/acme/onboarding"

    fresh = (await api.http.get(url, headers=key["headers"])).json()
    assert [step["id"] for step in fresh["steps"]] == STEPS
    assert {step["status"] for step in fresh["steps"]} == {"todo"} and fresh["next"] == "company"

    assert (await api.http.put(f"{url}/company", json={"status": "done"}, headers=key["headers"])).is_success
    marked = await api.http.put(f"{url}/leap", json={"status": "skipped"}, headers=key["headers"])
    assert marked.json()["next"] == "personality"

    again = (await api.http.get(url, headers=key["headers"])).json()  # a return visit
    assert [step["status"] for step in again["steps"]] == ["done", "skipped", "todo", "todo", "todo", "todo"]
    assert again["next"] == "personality"
    for step in STEPS[2:]:
        await api.http.put(f"{url}/{step}", json={"status": "done"}, headers=key["headers"])
    assert (await api.http.get(url, headers=key["headers"])).json()["next"] is None

    unknown = await api.http.put(f"{url}/payment", json={"status": "done"}, headers=key["headers"])
    assert unknown.status_code == 422 and unknown.headers["content-type"] == "application/problem+json"
    wrong = await api.http.put(f"{url}/team", json={"status": "maybe"}, headers=key["headers"])
    assert wrong.status_code == 422

    await api.tenant("other")
    stranger = await api.key("other", "admin")
    refused = await api.http.get(url, headers=stranger["headers"])
    assert refused.status_code == 403 and refused.json()["type"].endswith("/wrong-tenant")
    crew_like = await api.key("acme", "tools:read", "conversations")
    assert (
        await api.http.put(f"{url}/team", json={"status": "done"}, headers=crew_like["headers"])
    ).status_code == 403


async def test_a_tenant_admin_sets_name_zone_and_trades_but_not_its_trial(api: Api) -> None:
    await api.tenant("acme")
    key = await api.key("acme", "admin")
    changed = await api.http.patch(
        "/v1/tenants/acme",
        json={"name": "Acme Roofing", "timezone": "America/Denver", "trades": [" roofing ", "gutters"]},
        headers=key["headers"],
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["timezone"], body["trades"]) == (
        "Acme Roofing",
        "America/Denver",
        ["roofing", "gutters"],
    )
    assert (await api.http.get("/v1/tenants/acme", headers=key["headers"])).json()["trades"] == [
        "roofing",
        "gutters",
    ]

    trial = await api.http.patch("/v1/tenants/acme", json={"trial": None}, headers=key["headers"])
    assert trial.status_code == 403 and trial.json()["type"].endswith("/operator-only")
    blank = await api.http.patch("/v1/tenants/acme", json={"trades": [""]}, headers=key["headers"])
    assert blank.status_code == 422
    zone = await api.http.patch("/v1/tenants/acme", json={"timezone": "Mars/Olympus"}, headers=key["headers"])
    assert zone.status_code == 422 and "time zone" in zone.json()["detail"]
    await api.tenant("other")
    stranger = await api.key("other", "admin")
    assert (
        await api.http.patch("/v1/tenants/acme", json={"trades": []}, headers=stranger["headers"])
    ).status_code == 403


async def test_the_trial_shows_what_is_left_after_real_messages_and_minutes(api: Api) -> None:
    expires = datetime.now(UTC) + timedelta(days=10)
    trial = {"expires_at": expires.isoformat(), "max_messages": 5, "max_voice_minutes": 30}
    await api.tenant("trial-co", trial=trial)
    key = await api.key("trial-co", "conversations")
    api.fake.script(reply("Morning."), reply("Sure thing."))
    conversation = (await api.http.post("/v1/conversations", headers=key["headers"])).json()["id"]
    for text in ("Good morning", "What's up today?"):
        sent = await api.http.post(
            f"/v1/conversations/{conversation}/messages", json={"text": text}, headers=key["headers"]
        )
        assert sent.status_code == 200, sent.text
    await api.admin.usage.add_voice_seconds("trial-co", 90)

    left = await api.http.get("/v1/tenants/trial-co/trial", headers=key["headers"])
    assert left.status_code == 200, left.text
    assert left.json() == {
        "trial": True,
        "expires_at": expires.isoformat().replace("+00:00", "Z"),
        "days_left": 10,
        "messages_used": 2,
        "messages_left": 3,
        "minutes_used": 1.5,
        "minutes_left": 28.5,
    }

    await api.tenant("paying")
    paying = await api.key("paying", "tools:read")
    unlimited = (await api.http.get("/v1/tenants/paying/trial", headers=paying["headers"])).json()
    assert (
        unlimited["trial"] is False and unlimited["messages_left"] is None and unlimited["days_left"] is None
    )
    assert (await api.http.get("/v1/tenants/trial-co/trial", headers=paying["headers"])).status_code == 403


async def test_the_operator_sees_usage_of_every_tenant_busiest_first(api: Api) -> None:
    await api.tenant("quiet")
    await api.tenant("busy", trial={"max_messages": 100})
    await api.admin.usage.add_voice_seconds("busy", 600)
    await api.admin.usage.add_tool_call("busy")

    rows = (await api.http.get("/v1/usage", headers=api.operator)).json()
    by_id = {row["tenant_id"]: row for row in rows}
    assert by_id["busy"]["voice_minutes"] == 10.0 and by_id["busy"]["tool_calls"] == 1
    assert by_id["busy"]["trial"]["max_messages"] == 100 and by_id["quiet"]["voice_minutes"] == 0
    assert [row["tenant_id"] for row in rows].index("busy") < [row["tenant_id"] for row in rows].index(
        "quiet"
    )
    key = await api.key("busy", "admin")
    refused = await api.http.get("/v1/usage", headers=key["headers"])
    assert refused.status_code == 403 and refused.json()["type"].endswith("/operator-only")
