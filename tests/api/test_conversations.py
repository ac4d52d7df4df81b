"""Typed conversations over the API: the brain answers (fake Claude, real SDK), tools run against the
sandbox, answers stream as server-sent events, and trial messages hold under concurrency."""

from __future__ import annotations

import asyncio
import json

import httpx

from harde.app import create_app
from testkit.fakes.anthropic import always, on_tool_result, reply, tool_use
from testkit.servers import serve
from tests.api.conftest import Api, bearer

PROBLEMS = "https://hard-e.dev/problems/"


async def start(api: Api, headers: dict[str, str]) -> str:
    response = await api.http.post("/v1/conversations", headers=headers)
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["id"]
    return conversation_id


async def test_a_message_is_answered_by_the_brain_with_the_tools_it_ran(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "conversations", "tools:read")
    data = await api.leap_data("acme")
    customer = next(iter(data.customers.values()))
    api.fake.script(
        reply(tool_use("get_customer", {"customer_id": customer.id})),
        on_tool_result("get_customer", lambda r: f"Found {r.tool_result('get_customer').json()['name']}."),
    )
    conversation = await start(api, key["headers"])

    response = await api.http.post(
        f"/v1/conversations/{conversation}/messages",
        json={"text": "Who is that customer?"},
        headers=key["headers"],
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert customer.last_name in body["reply"]
    assert [(event["tool"], event["status"]) for event in body["events"]] == [("get_customer", "ok")]
    assert body["trial_messages_left"] is None
    assert "external system" in api.fake.requests[0].system_text


async def test_the_answer_streams_as_server_sent_events(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "conversations")
    api.fake.script(reply("Good morning. Three jobs need you today."))
    conversation = await start(api, key["headers"])

    events: list[tuple[str, object]] = []
    async with api.http.stream(
        "POST",
        f"/v1/conversations/{conversation}/messages/stream",
        json={"text": "morning"},
        headers=key["headers"],
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((str(name), json.loads(line.removeprefix("data: "))))

    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "done" and set(kinds[:-1]) == {"text"}
    streamed = "".join(data["delta"] for kind, data in events if kind == "text")  # type: ignore[index]
    assert streamed == "Good morning. Three jobs need you today."
    assert events[-1][1]["reply"] == streamed  # type: ignore[index]


async def test_a_conversation_belongs_to_the_credential_that_started_it(api: Api):
    await api.tenant("acme")
    mine = await api.key("acme", "conversations")
    colleague = await api.key("acme", "conversations")
    conversation = await start(api, mine["headers"])

    response = await api.http.post(
        f"/v1/conversations/{conversation}/messages", json={"text": "hi"}, headers=colleague["headers"]
    )

    assert response.status_code == 404
    assert response.json()["type"] == PROBLEMS + "conversation-not-found"
    assert api.fake.requests == []


async def test_a_widget_session_talks_as_its_user_with_their_role(api: Api):
    await api.tenant("acme")
    user = (
        await api.http.post(
            "/v1/tenants/acme/users", json={"name": "Tony Russo", "role": "crew"}, headers=api.operator
        )
    ).json()
    widget = (
        await api.http.post(
            "/v1/tenants/acme/widget-tokens", json={"user_id": user["id"]}, headers=api.operator
        )
    ).json()
    assert widget["role"] == "crew"
    api.fake.script(reply(tool_use("job_financials", {"job_id": 1})), always("I can't see the money."))
    conversation = await start(api, bearer(widget["token"]))

    response = await api.http.post(
        f"/v1/conversations/{conversation}/messages",
        json={"text": "what's the margin?"},
        headers=bearer(widget["token"]),
    )

    assert response.status_code == 200, response.text
    assert [(e["tool"], e["status"]) for e in response.json()["events"]] == [("job_financials", "refused")]
    assert "Tony Russo (crew" in api.fake.requests[0].system_text


async def test_a_trial_with_ten_messages_left_answers_exactly_ten_of_a_hundred_concurrent_ones(make_api):
    async with make_api() as api:
        await api.tenant("trial-co", trial={"max_messages": 15})
        key = await api.key("trial-co", "conversations")
        api.fake.script(always("Noted."))
        for _ in range(5):  # spend five, so ten are left
            conversation = await start(api, key["headers"])
            used = await api.http.post(
                f"/v1/conversations/{conversation}/messages", json={"text": "hi"}, headers=key["headers"]
            )
            assert used.status_code == 200
        conversations = [await start(api, key["headers"]) for _ in range(100)]

        # A second worker on the same Redis: the allowance is shared, not per process.
        async with serve(create_app(api.admin.settings)) as other_url:
            limits = httpx.Limits(max_connections=100)
            async with (
                httpx.AsyncClient(base_url=str(api.http.base_url), limits=limits, timeout=60) as one,
                httpx.AsyncClient(base_url=other_url, limits=limits, timeout=60) as two,
            ):
                responses = await asyncio.gather(
                    *(
                        (one if index % 2 else two).post(
                            f"/v1/conversations/{conversation}/messages",
                            json={"text": "go"},
                            headers=key["headers"],
                        )
                        for index, conversation in enumerate(conversations)
                    )
                )

        statuses = [response.status_code for response in responses]
        assert statuses.count(200) == 10
        assert statuses.count(402) == 90
        refused = {response.json()["type"] for response in responses if response.status_code == 402}
        assert refused == {PROBLEMS + "trial-limit-reached"}
        assert sorted(r.json()["trial_messages_left"] for r in responses if r.status_code == 200) == list(
            range(10)
        )
        usage = (
            await api.http.get("/v1/tenants/trial-co/usage", params={"days": 1}, headers=api.operator)
        ).json()
        assert usage["messages"] == 15


async def test_an_expired_trial_cannot_start_or_continue_a_conversation(api: Api):
    await api.tenant("old-trial", trial={"expires_at": "2020-01-01T00:00:00Z"})
    key = await api.key("old-trial", "conversations")

    response = await api.http.post("/v1/conversations", headers=key["headers"])

    assert response.status_code == 402
    assert response.json()["type"] == PROBLEMS + "trial-expired"
    assert "2020-01-01" in response.json()["detail"]


async def test_answers_from_no_model_do_not_use_up_a_trials_messages(make_api):
    async with make_api(anthropic_api_key=None) as api:
        await api.tenant("trial-co", trial={"max_messages": 2})
        key = await api.key("trial-co", "conversations")
        conversation = await start(api, key["headers"])

        answers = [
            await api.http.post(
                f"/v1/conversations/{conversation}/messages", json={"text": "hi"}, headers=key["headers"]
            )
            for _ in range(3)
        ]
        usage = (
            await api.http.get("/v1/tenants/trial-co/usage", params={"days": 1}, headers=api.operator)
        ).json()

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all("think yet" in answer.json()["reply"] for answer in answers)
    assert [answer.json()["trial_messages_left"] for answer in answers] == [2, 2, 2]
    assert usage["messages"] == 0
