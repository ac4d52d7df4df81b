"""Connecting Leap: the token is tried against "Leap" (the sandbox on its own port) before it is
kept, stored encrypted, and never shown again: not in any response, not in any log line."""

from __future__ import annotations

from leap_sandbox import FaultKind, FaultRule
from tenants import new_sandbox_token
from tests.api.conftest import Api

PROBLEMS = "https://hard-e.dev/problems/"


async def test_a_good_token_is_verified_stored_and_never_returned_or_logged(make_api, capfd):
    token = new_sandbox_token()
    async with make_api(log_level="DEBUG") as api:
        await api.tenant("acme", crm="leap")
        admin = await api.key("acme", "admin", "tools:read")
        bodies: list[str] = []

        connected = await api.http.put(
            "/v1/tenants/acme/leap", json={"token": token}, headers=admin["headers"]
        )
        bodies.append(connected.text)
        assert connected.status_code == 200, connected.text
        assert connected.json()["crm"] == "leap" and connected.json()["token_set"] is True
        assert connected.json()["verified_at"] is not None
        assert [record.path for record in api.leap.requests()] == [
            "/api/v3/company/trades",
            "/api/v3/customers",
            "/api/v3/jobs",
            "/api/v3/workflow/stages",
        ]

        for path in (
            "/v1/tenants/acme",
            "/v1/tenants/acme/leap",
            "/v1/tenants/acme/settings",
            "/v1/tenants/acme/audit",
        ):
            response = await api.http.get(path, headers=admin["headers"])
            assert response.status_code == 200
            bodies.append(response.text)
        tool = await api.http.post("/v1/tools/company_config", json={}, headers=admin["headers"])
        assert tool.status_code == 200, tool.text  # the tools now reach "Leap" with the stored token
        bodies.append(tool.text)
        stored = await api.admin.redis.get("t:acme:secret:leap_token")

    assert await api.admin.tenants.get_leap_token("acme") == token
    assert token not in stored
    assert all(token not in body for body in bodies)
    out, err = capfd.readouterr()
    assert "Hard-E ready" in err  # the app's log lines were captured (at DEBUG), and none has the token
    assert token not in out and token not in err


async def test_a_token_leap_refuses_changes_nothing(api: Api):
    await api.tenant("acme", crm="leap")
    admin = await api.key("acme", "admin")

    refused = await api.http.put(
        "/v1/tenants/acme/leap", json={"token": "not-a-leap-token"}, headers=admin["headers"]
    )

    assert refused.status_code == 422
    assert refused.json()["type"] == PROBLEMS + "leap-token-rejected"
    assert "not-a-leap-token" not in refused.text
    assert (await api.http.get("/v1/tenants/acme/leap", headers=admin["headers"])).json()[
        "token_set"
    ] is False
    assert await api.admin.tenants.get_leap_token("acme") is None


async def test_a_trial_moves_from_the_sandbox_to_leap_and_can_disconnect(api: Api):
    await api.tenant("trial-co", trial={"max_messages": 10})
    admin = await api.key("trial-co", "admin")
    before = await api.admin.tenants.get_leap_token("trial-co")

    connected = await api.http.put(
        "/v1/tenants/trial-co/leap", json={"token": new_sandbox_token()}, headers=admin["headers"]
    )
    assert connected.json()["crm"] == "leap"
    assert await api.admin.tenants.get_leap_token("trial-co") != before

    disconnected = await api.http.delete("/v1/tenants/trial-co/leap", headers=admin["headers"])
    assert disconnected.json() == {"crm": "leap", "token_set": False, "verified_at": None}
    events = [
        e["event"]
        for e in (await api.http.get("/v1/tenants/trial-co/audit", headers=admin["headers"])).json()[
            "entries"
        ]
    ]
    assert events[:2] == ["leap.disconnected", "leap.connected"]


async def test_connecting_says_what_leap_holds_counted_live(api: Api):
    token = new_sandbox_token()
    data = api.leap.dataset(token)
    await api.tenant("acme", crm="leap")
    admin = await api.key("acme", "admin")

    connected = await api.http.put("/v1/tenants/acme/leap", json={"token": token}, headers=admin["headers"])

    assert connected.status_code == 200, connected.text
    assert connected.json()["found"] == {
        "customers": len(data.customers),
        "jobs": sum(1 for job in data.jobs.values() if not job.archived),
        "stages": len(data.stages),
    }
    assert connected.json()["found"]["customers"] > 0


async def test_a_wrong_key_is_explained_in_plain_words(api: Api):
    await api.tenant("acme", crm="leap")
    admin = await api.key("acme", "admin")
    refused = await api.http.put(
        "/v1/tenants/acme/leap", json={"token": "hde_this-is-not-a-leap-key"}, headers=admin["headers"]
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "Leap did not accept this key" in refused.json()["detail"]
    assert "nothing was changed" in refused.json()["detail"]


async def test_a_rate_limited_leap_is_busy_with_retry_after_and_changes_nothing(api: Api):
    await api.tenant("acme", crm="leap")
    admin = await api.key("acme", "admin")
    api.leap.add_fault(FaultRule(path="/customers", kind=FaultKind.RATE_LIMITED, retry_after=40))

    busy = await api.http.put(
        "/v1/tenants/acme/leap", json={"token": new_sandbox_token()}, headers=admin["headers"]
    )

    assert busy.status_code == 429, busy.text
    assert busy.json()["type"] == PROBLEMS + "leap-busy"
    assert busy.headers["retry-after"] == "40" and "Try again in 40 seconds" in busy.json()["detail"]
    assert await api.admin.tenants.get_leap_token("acme") is None
