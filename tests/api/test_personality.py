"""Hard-E's personality for a company: templates and the default Soul Document carry the company's
own name (never the demo's), and the greeting preview is the line a call really opens with."""

from __future__ import annotations

from testkit.fakes.anthropic import reply
from tests.api.conftest import Api


async def test_templates_are_written_for_the_tenants_own_company(api: Api) -> None:
    await api.tenant("acme", name="Acme Roofing", trial={"max_messages": 10})
    key = await api.key("acme", "admin")
    await api.http.patch("/v1/tenants/acme", json={"trades": ["siding", "windows"]}, headers=key["headers"])

    listed = await api.http.get("/v1/soul-templates", params={"tenant": "acme"}, headers=key["headers"])
    assert listed.status_code == 200, listed.text
    templates = listed.json()
    assert len(templates) >= 3 and len({t["id"] for t in templates}) == len(templates)
    assert all("Acme Roofing" in t["body"] and "Demo Roofing" not in t["body"] for t in templates)
    assert "residential siding and windows contractor" in templates[0]["body"]
    assert all("{" not in t["body"] for t in templates)

    generic = (await api.http.get("/v1/soul-templates", headers=key["headers"])).json()
    assert "sales director of your company" in generic[0]["body"]

    await api.tenant("other")
    stranger = await api.key("other", "admin")
    refused = await api.http.get("/v1/soul-templates", params={"tenant": "acme"}, headers=stranger["headers"])
    assert refused.status_code == 403 and refused.json()["type"].endswith("/wrong-tenant")
    missing = await api.http.get("/v1/soul-templates", params={"tenant": "nobody"}, headers=api.operator)
    assert missing.status_code == 404


async def test_a_trial_without_a_soul_document_is_hard_e_for_its_own_company(api: Api) -> None:
    await api.tenant("acme", name="Acme Roofing", trial={"max_messages": 10})
    key = await api.key("acme", "conversations")
    api.fake.script(reply("Morning."))
    conversation = (await api.http.post("/v1/conversations", headers=key["headers"])).json()["id"]
    sent = await api.http.post(
        f"/v1/conversations/{conversation}/messages", json={"text": "Who are you?"}, headers=key["headers"]
    )
    assert sent.status_code == 200, sent.text
    system = api.fake.requests[0].system_text
    assert "You are Hard-E, the sales director of Acme Roofing" in system
    assert "Demo Roofing" not in system


async def test_the_greeting_preview_is_the_line_a_call_opens_with(api: Api) -> None:
    await api.tenant("acme", name="Acme Roofing", trial={"max_messages": 10})
    key = await api.key("acme", "admin")
    url = "/v1/tenants/acme/greeting-preview"

    unknown = await api.http.post(url, json={}, headers=key["headers"])
    assert unknown.status_code == 200, unknown.text
    assert unknown.json() == {
        "greeting": "Hi, this is Hard-E with Acme Roofing. Please enter your PIN and press pound, or say it."
    }
    await api.http.patch(
        "/v1/tenants/acme/settings", json={"unknown_caller_policy": "read_only"}, headers=key["headers"]
    )
    plain = (await api.http.post(url, json={}, headers=key["headers"])).json()
    assert plain == {"greeting": "Hi, this is Hard-E with Acme Roofing. How can I help?"}

    dana = (
        await api.http.post("/v1/tenants/acme/users", json={"name": "Dana Whitfield"}, headers=key["headers"])
    ).json()
    known = (await api.http.post(url, json={"user_id": dana["id"]}, headers=key["headers"])).json()
    assert known == {"greeting": "Hey Dana, Hard-E here. What can I do for you?"}

    nobody = await api.http.post(url, json={"user_id": "u_nobody"}, headers=key["headers"])
    assert nobody.status_code == 404 and nobody.json()["type"].endswith("/user-not-found")
    extra = await api.http.post(url, json={"soul": "x"}, headers=key["headers"])
    assert extra.status_code == 422
    await api.tenant("other")
    stranger = await api.key("other", "admin")
    assert (await api.http.post(url, json={}, headers=stranger["headers"])).status_code == 403
