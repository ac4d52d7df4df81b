"""Ending a typed conversation teaches Hard-E what was said, once, like hanging up a call."""

from __future__ import annotations

from testkit.fakes.anthropic import on, reply, tool_use
from tests.api.conftest import Api, bearer


async def test_ending_a_conversation_learns_from_it_once(api: Api) -> None:
    await api.tenant("acme")
    mike = (await api.http.post("/v1/tenants/acme/users", json={"name": "Mike"}, headers=api.operator)).json()
    widget = await api.http.post(
        "/v1/tenants/acme/widget-tokens", json={"user_id": mike["id"]}, headers=api.operator
    )
    headers = bearer(widget.json()["token"])
    conversation = (await api.http.post("/v1/conversations", headers=headers)).json()["id"]
    api.fake.script(
        "Got it, texts it is.",
        on(
            lambda r: "long-term memory" in r.system_text,
            reply(tool_use("record_memories", {"memories": [
                {"about": "caller", "text": "Mike prefers texts to calls.", "confidence": 0.9}
            ]})),
        ),
    )  # fmt: skip
    sent = await api.http.post(
        f"/v1/conversations/{conversation}/messages", json={"text": "I'd rather get texts than calls"},
        headers=headers,
    )  # fmt: skip
    assert sent.status_code == 200, sent.text

    ended = await api.http.post(f"/v1/conversations/{conversation}/end", headers=headers)
    assert ended.json() == {"learned": ["Mike prefers texts to calls."], "already_ended": False}
    extraction = api.fake.requests[-1]
    assert "I'd rather get texts than calls" in extraction.messages[0]["content"]

    again = await api.http.post(f"/v1/conversations/{conversation}/end", headers=headers)
    assert again.json() == {"learned": [], "already_ended": True}
    assert [m.text for m in await api.admin.brain.memory.of_subject("acme", mike["id"])] == [
        "Mike prefers texts to calls."
    ]
    someone_else = await api.http.post(f"/v1/conversations/{conversation}/end", headers=api.operator)
    assert someone_else.status_code in (403, 404)
