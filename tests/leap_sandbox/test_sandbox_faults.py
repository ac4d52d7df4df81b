"""The sandbox misbehaving on purpose — injected faults and the real rate limit — over real HTTP,
plus the request log and control routes tests and benchmarks drive it with."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from leap_sandbox import FaultRule, create_sandbox_app
from leap_sandbox.ratelimit import RateLimiter
from testkit.servers import serve

TOKEN = "sandbox_faults_00001"
OTHER_TOKEN = "sandbox_faults_00002"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app() -> FastAPI:
    app = create_sandbox_app(seed=7, rate_limit_per_minute=10_000)
    app.state.sandbox.dataset(TOKEN)  # seeded now, so no request of the test pays for it
    return app


@pytest.fixture
async def base_url(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


@pytest.fixture
async def api(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{base_url}/api/v3", headers=bearer(TOKEN)) as client:
        yield client


@pytest.fixture
async def control(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{base_url}/_sandbox") as client:
        yield client


def error_of(response: httpx.Response) -> dict[str, object]:
    error: dict[str, object] = response.json()["error"]
    return error


async def note_count(api: httpx.AsyncClient) -> int:
    total: int = (await api.get("/jobs/5002/notes")).json()["meta"]["pagination"]["total"]
    return total


async def wait_for_log_entry(app: FastAPI, path: str) -> None:
    """The log entry of an abandoned request appears once the server notices the hang-up."""
    for _ in range(200):
        if any(r.path == path for r in app.state.sandbox.requests(TOKEN)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no log entry for {path}")


# -- injected faults ----------------------------------------------------------------------------------


async def test_latency_delays_one_request_without_holding_up_others(app, api):
    app.state.sandbox.add_fault(FaultRule(path="/jobs", latency_ms=5000))
    slow = asyncio.create_task(api.get("/jobs", timeout=30))
    fast = await api.get("/customers")
    assert fast.status_code == 200
    assert not slow.done()
    assert (await slow).status_code == 200
    assert [r.fault for r in app.state.sandbox.requests(TOKEN) if r.path == "/api/v3/jobs"] == ["latency"]


async def test_latency_longer_than_the_clients_timeout_makes_it_time_out(app, api):
    app.state.sandbox.add_fault(FaultRule(path="/workflow/stages", latency_ms=1500))
    with pytest.raises(httpx.ReadTimeout):
        await api.get("/workflow/stages", timeout=0.2)


async def test_forced_server_error_answers_instead_of_the_route(app, api):
    before = await note_count(api)
    app.state.sandbox.add_fault(FaultRule(method="POST", path="/jobs/{id}/notes", kind="500"))
    response = await api.post("/jobs/5002/notes", data={"note": "Should not be stored"})
    assert response.status_code == 500
    assert error_of(response)["message"] == "An internal error occured."
    assert await note_count(api) == before  # GET is not matched by a POST rule, and nothing was written


async def test_error_rate_one_always_fails_and_zero_never_does(app, api):
    app.state.sandbox.add_fault(FaultRule(path="/divisions", error_rate=1.0))
    app.state.sandbox.add_fault(FaultRule(path="/referrals", error_rate=0.0))
    assert [(await api.get("/divisions")).status_code for _ in range(5)] == [500] * 5
    assert [(await api.get("/referrals")).status_code for _ in range(5)] == [200] * 5


async def test_count_limits_a_fault_to_the_next_n_matching_requests(app, api, control):
    app.state.sandbox.add_fault(FaultRule(path="/jobs/**", kind="503", count=2))
    assert (await control.get("/faults")).json()[0]["count"] == 2
    statuses = [(await api.get("/jobs/5001")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert (await control.get("/faults")).json() == []


@pytest.mark.parametrize(
    ("kind", "status", "message"), [("502", 502, "Bad Gateway"), ("503", 503, "Service Unavailable")]
)
async def test_gateway_errors_use_the_error_envelope(app, api, kind, status, message):
    app.state.sandbox.add_fault(FaultRule(kind=kind))
    response = await api.get("/jobs")
    assert response.status_code == status
    assert error_of(response) == {"status_code": status, "message": message}


async def test_forced_429_carries_retry_after(app, api):
    app.state.sandbox.add_fault(FaultRule(path="/jobs", kind="429", retry_after=7, count=1))
    response = await api.get("/jobs")
    assert response.status_code == 429
    assert error_of(response) == {"status_code": 429, "message": "Too Many Attempts."}
    assert response.headers["Retry-After"] == "7"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) > 0
    assert (await api.get("/jobs")).status_code == 200


async def test_a_throttling_window_answers_with_the_time_left(app, api):
    app.state.sandbox.add_fault(FaultRule(kind="429", seconds=30))
    retry_after = [int((await api.get("/jobs")).headers["Retry-After"]) for _ in range(3)]
    assert all(1 <= seconds <= 30 for seconds in retry_after)
    assert retry_after == sorted(retry_after, reverse=True)
    app.state.sandbox.add_fault(FaultRule(path="/customers", kind="429", seconds=0.2))
    assert (await api.get("/customers")).status_code == 429  # the first rule still matches everything
    app.state.sandbox.clear_faults()
    now = [1_000.0]  # the fault book's clock, moved by the test rather than waited out
    app.state.sandbox.faults.clock = lambda: now[0]
    app.state.sandbox.add_fault(FaultRule(path="/customers", kind="429", seconds=0.2))
    assert (await api.get("/customers")).status_code == 429
    now[0] += 0.3
    assert (await api.get("/customers")).status_code == 200


async def test_malformed_body_is_200_with_broken_json(app, api):
    app.state.sandbox.add_fault(FaultRule(path="/jobs", kind="malformed"))
    response = await api.get("/jobs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_timeout_holds_the_request_until_the_client_gives_up(app, api):
    app.state.sandbox.add_fault(FaultRule(path="/jobs", kind="timeout", hold_seconds=60))
    with pytest.raises(httpx.ReadTimeout):
        await api.get("/jobs", timeout=0.3)
    await wait_for_log_entry(app, "/api/v3/jobs")
    record = next(r for r in app.state.sandbox.requests(TOKEN) if r.path == "/api/v3/jobs")
    assert (record.status, record.fault) == (499, "timeout")


async def test_timeout_answers_504_when_the_client_outwaits_the_hold(app, api):
    app.state.sandbox.add_fault(FaultRule(path="/jobs", kind="timeout", hold_seconds=0.2))
    response = await api.get("/jobs", timeout=10)
    assert response.status_code == 504
    assert error_of(response) == {"status_code": 504, "message": "Gateway Timeout"}


async def test_faults_over_http_control_routes(api, control):
    added = await control.post("/faults", json={"method": "get", "path": "/company/users", "kind": "500"})
    assert added.status_code == 200
    assert added.json()[0]["method"] == "GET"
    assert (await api.get("/company/users")).status_code == 500
    assert (await api.get("/divisions")).status_code == 200
    assert (await control.delete("/faults")).json() == []
    assert (await api.get("/company/users")).status_code == 200
    rejected = await control.post("/faults", json={"error_rate": 2})
    assert rejected.status_code == 412
    assert "error_rate" in rejected.json()["error"]["validation"]


# -- request log ----------------------------------------------------------------------------------------


async def test_request_log_records_what_was_sent_per_token_without_the_token(base_url, api, control):
    await api.post("/jobs/5002/notes", data={"note": "Logged @[U:14]"})
    async with httpx.AsyncClient(base_url=f"{base_url}/api/v3", headers=bearer(OTHER_TOKEN)) as other:
        await other.get("/jobs", params={"limit": 3})
    mine = (await control.get("/requests", headers=bearer(TOKEN))).json()
    assert [(r["method"], r["path"], r["status"]) for r in mine] == [("POST", "/api/v3/jobs/5002/notes", 200)]
    assert mine[0]["content_type"] == "application/x-www-form-urlencoded"
    assert mine[0]["body"] == "note=Logged+%40%5BU%3A14%5D"
    everyone = (await control.get("/requests")).json()
    assert [r["query"] for r in everyone] == ["", "limit=3"]
    assert TOKEN not in json.dumps(everyone) and OTHER_TOKEN not in json.dumps(everyone)
    await control.delete("/requests")
    assert (await control.get("/requests")).json() == []


async def test_control_views_of_outbox_webhooks_and_notifications(api, control):
    await api.post("/jobs/5002/notes", data={"note": "Heads up @[U:12]"})
    await api.post("/emails/send", data={"to[]": "a@example.com", "subject": "S", "content": "C"})
    await api.post("/jobs/stage", data={"job_id": "5080", "stage": "16916022161341505002"})
    notifications = (await control.get("/notifications", headers=bearer(TOKEN))).json()
    assert [n["user_id"] for n in notifications] == [12]
    outbox = (await control.get("/outbox", headers=bearer(TOKEN))).json()
    assert [e["subject"] for e in outbox["emails"]] == ["S"]
    webhooks = (await control.get("/webhooks", headers=bearer(TOKEN))).json()
    assert [(w["action"], w["operation"], w["id"]) for w in webhooks] == [("jobs", "stage_change", 5080)]
    assert (await control.get("/outbox")).status_code == 401


async def test_control_routes_can_be_switched_off(app, control):
    app.state.sandbox.http_control_enabled = False
    response = await control.post("/reset")
    assert response.status_code == 404


# -- the real rate limit --------------------------------------------------------------------------------


async def test_the_request_after_the_limit_gets_429_and_other_tokens_are_unaffected() -> None:
    app = create_sandbox_app(seed=7, rate_limit_per_minute=5)
    async with serve(app) as url, httpx.AsyncClient(base_url=f"{url}/api/v3", headers=bearer(TOKEN)) as api:
        remaining = []
        for _ in range(5):
            response = await api.get("/workflow/stages")
            assert response.status_code == 200
            remaining.append(response.headers["X-RateLimit-Remaining"])
        assert remaining == ["4", "3", "2", "1", "0"]
        throttled = await api.get("/workflow/stages")
        assert throttled.status_code == 429
        assert error_of(throttled) == {"status_code": 429, "message": "Too Many Attempts."}
        assert 1 <= int(throttled.headers["Retry-After"]) <= 60
        assert throttled.headers["X-RateLimit-Limit"] == "5"
        assert int(throttled.headers["X-RateLimit-Reset"]) > 0
        async with httpx.AsyncClient(base_url=f"{url}/api/v3", headers=bearer(OTHER_TOKEN)) as other:
            assert (await other.get("/workflow/stages")).status_code == 200
        async with httpx.AsyncClient(base_url=f"{url}/api/v3") as anonymous:
            assert (await anonymous.get("/jobs")).status_code == 401  # and it used no one's budget


async def test_the_window_rolls_and_refused_requests_do_not_use_it_up() -> None:
    app = create_sandbox_app(seed=7)
    now = [1_000.0]  # the limiter's clock, moved by the test: a slow machine cannot roll the window early
    app.state.sandbox.limiter = RateLimiter(2, 60.0, clock=lambda: now[0])
    async with serve(app) as url, httpx.AsyncClient(base_url=f"{url}/api/v3", headers=bearer(TOKEN)) as api:
        assert [(await api.get("/referrals")).status_code for _ in range(4)] == [200, 200, 429, 429]
        now[0] += 59.0
        assert (await api.get("/referrals")).status_code == 429
        now[0] += 1.0
        assert [(await api.get("/referrals")).status_code for _ in range(3)] == [200, 200, 429]


async def test_rate_limit_is_adjustable_over_http_and_reset_refills_it() -> None:
    app = create_sandbox_app(seed=7, rate_limit_per_minute=1)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, headers=bearer(TOKEN)) as client:
        assert (await client.get("/api/v3/referrals")).status_code == 200
        assert (await client.get("/api/v3/referrals")).status_code == 429
        assert (await client.post("/_sandbox/reset")).status_code == 200
        assert (await client.get("/api/v3/referrals")).status_code == 200
        changed = await client.put("/_sandbox/rate_limit", json={"per_minute": 3, "window_seconds": 30})
        assert changed.json() == {"per_minute": 3, "window_seconds": 30.0}
        assert [(await client.get("/api/v3/referrals")).status_code for _ in range(3)] == [200, 200, 429]
        assert (await client.get("/api/v3/referrals")).headers["X-RateLimit-Limit"] == "3"


async def test_a_token_can_lack_the_endpoints_leap_does_not_publish(app, api, control, base_url):
    other = "sandbox_other_company"
    switched = await control.put("/unpublished", json={"enabled": False}, headers=bearer(TOKEN))
    assert switched.json() == {"enabled": False}

    # Unpublished routes answer like Leap's router for an unknown path, whatever the method.
    assert (await api.get("/messages/thread_list")).status_code == 404
    assert (await api.get("/phone_messages")).json() == {"message": "Not found"}
    sent = await api.post("/phone_messages", data={"phone_number": "3035550101", "message": "Hi"})
    assert sent.status_code == 404
    assert app.state.sandbox.outbox(TOKEN)["texts"] == []
    assert (await api.get("/tasks")).status_code == 404
    # Published ones, and other tokens, are untouched.
    assert (await api.get("/customers")).status_code == 200
    assert (await api.get("/jobs/5002/notes")).status_code == 200
    async with httpx.AsyncClient(base_url=f"{base_url}/api/v3", headers=bearer(other)) as theirs:
        assert (await theirs.get("/messages/thread_list")).status_code == 200
        assert (await theirs.get("/phone_messages")).status_code == 405  # the route exists (POST)

    await control.put("/unpublished", json={"enabled": True}, headers=bearer(TOKEN))
    assert (await api.get("/messages/thread_list")).status_code == 200
