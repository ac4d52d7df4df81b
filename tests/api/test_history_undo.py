"""Undoing a conversation's last change from the console.

A real typed conversation has Hard-E add a note on the sandbox CRM and the caller confirm it; then
``POST .../history/{id}/undo``, signed in as a person, takes it back through the conversation's own
undo: the note is gone from the sandbox, the history shows the change as undone, and the audit says
who did it. Nobody without ``tools:write`` in the tenant may, and one change is never undone twice.
"""

from __future__ import annotations

from typing import Any

import httpx

from testkit.fakes.anthropic import on_tool_result, on_user, reply, tool_use
from tests.api.conftest import Api, bearer
from tests.api.test_sign_in import CSRF, browser, person, sign_in
from tests.brain.conftest import action_ids

PROBLEMS = "https://hard-e.dev/problems/"
NOTE = "Gutters too."


async def notes_on(api: Api, tenant_id: str, job_id: int) -> list[str]:
    data = await api.leap_data(tenant_id)
    return [note.note for note in data.notes.values() if note.job_id == job_id]


async def confirmed_note(api: Api, tenant_id: str, user_id: str, *then: str) -> tuple[str, int]:
    """A typed conversation of ``user_id`` in which Hard-E adds a note to an open job and the caller
    confirms it (and then says ``then``); returns the conversation's id and the job's."""
    widget = await api.http.post(
        f"/v1/tenants/{tenant_id}/widget-tokens", json={"user_id": user_id}, headers=api.operator
    )
    caller = bearer(widget.json()["token"])
    job = next(job for job in (await api.leap_data(tenant_id)).jobs.values() if not job.archived)
    api.fake.script(
        on_user("gutters", reply(tool_use("add_job_note", {"job_id": job.id, "text": NOTE}))),
        on_tool_result("add_job_note", f"Add '{NOTE}' to the job?"),
        on_user("yes", lambda r: reply(tool_use("confirm_action", {"action_id": action_ids(r)[-1]}))),
        on_tool_result("confirm_action", "Done, the note is on the job."),
        on_user("undo", reply(tool_use("undo_last_action", {}))),
        on_tool_result("undo_last_action", "Taken back."),
    )
    conversation = (await api.http.post("/v1/conversations", headers=caller)).json()["id"]
    for text in ("Note gutters on that job", "Yes, go ahead", *then):
        sent = await api.http.post(
            f"/v1/conversations/{conversation}/messages", json={"text": text}, headers=caller
        )
        assert sent.status_code == 200, sent.text
    return conversation, job.id


async def detail(client: httpx.AsyncClient, tenant_id: str, conversation: str) -> dict[str, Any]:
    found = await client.get(f"/v1/tenants/{tenant_id}/history/{conversation}")
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


async def test_undo_takes_back_the_confirmed_change_and_the_history_shows_it_undone(api: Api) -> None:
    await api.tenant("acme")
    dana = await person(api, "acme", "dana@acme.example", role="owner")
    conversation, job_id = await confirmed_note(api, "acme", dana["id"])
    assert (await notes_on(api, "acme", job_id)).count(NOTE) == 1

    async with browser(api) as client:
        me = await sign_in(client, "dana@acme.example")
        before = await detail(client, "acme", conversation)
        assert before["undoable"] is True
        undo = f"/v1/tenants/acme/history/{conversation}/undo"
        undone = await client.post(undo, headers={CSRF: me["csrf_token"]})
        assert undone.status_code == 200, undone.text
        after = await detail(client, "acme", conversation)
        again = await client.post(undo, headers={CSRF: me["csrf_token"]})
        settled = await detail(client, "acme", conversation)
        audit = await client.get("/v1/tenants/acme/audit", params={"tool": "undo_last_action"})

    assert (await notes_on(api, "acme", job_id)).count(NOTE) == 0
    proposed, confirmed, taken_back = after["tools"]
    action_id = confirmed["confirmation"]["action_id"]
    assert undone.json() == {"undone": taken_back["result_summary"], "action_id": action_id}
    assert "Deleted the note" in undone.json()["undone"]
    assert [proposed["confirmation"]["state"], confirmed["confirmation"]["state"]] == ["undone", "undone"]
    assert (taken_back["name"], taken_back["status"]) == ("undo_last_action", "undone")
    assert after["undoable"] is False and after["tools_called"] == 3

    assert again.status_code == 409, again.text
    assert again.json()["type"] == PROBLEMS + "nothing-to-undo"
    assert "Nothing to undo" in again.json()["detail"]
    assert settled["tools"] == after["tools"]  # a refused undo is not tried: no empty one in the history
    [entry] = audit.json()["entries"]
    assert (entry["actor"], entry["outcome"], entry["session"]) == (
        f"user:{dana['id']}",
        "undone",
        conversation,
    )


async def test_an_undo_said_in_the_conversation_shows_in_the_history_and_leaves_none_for_the_console(
    api: Api,
) -> None:
    await api.tenant("acme")
    dana = await person(api, "acme", "dana@acme.example", role="owner")
    conversation, job_id = await confirmed_note(api, "acme", dana["id"], "Undo that")
    assert (await notes_on(api, "acme", job_id)).count(NOTE) == 0

    async with browser(api) as client:
        me = await sign_in(client, "dana@acme.example")
        body = await detail(client, "acme", conversation)
        refused = await client.post(
            f"/v1/tenants/acme/history/{conversation}/undo", headers={CSRF: me["csrf_token"]}
        )

    assert [tool["confirmation"]["state"] for tool in body["tools"][:2]] == ["undone", "undone"]
    assert body["undoable"] is False
    assert (refused.status_code, refused.json()["type"]) == (409, PROBLEMS + "nothing-to-undo")
    assert len(body["tools"]) == 3  # the refused undo was not tried, so the history has no empty one


async def test_only_the_tenants_own_writers_may_undo(api: Api) -> None:
    await api.tenant("acme")
    await api.tenant("other")
    dana = await person(api, "acme", "dana@acme.example", role="owner")
    await person(api, "acme", "cris@acme.example", role="crew")
    conversation, job_id = await confirmed_note(api, "acme", dana["id"])
    undo = f"/v1/tenants/acme/history/{conversation}/undo"

    async with browser(api) as crew:
        me = await sign_in(crew, "cris@acme.example")
        by_crew = await crew.post(undo, headers={CSRF: me["csrf_token"]})
    reader = await api.key("acme", "tools:read", "conversations")
    by_reader = await api.http.post(undo, headers=reader["headers"])
    stranger = await api.key("other")
    by_stranger = await api.http.post(undo, headers=stranger["headers"])
    widget = await api.http.post(
        "/v1/tenants/acme/widget-tokens", json={"user_id": dana["id"]}, headers=api.operator
    )
    by_widget = await api.http.post(undo, headers=bearer(widget.json()["token"]))
    by_operator = await api.http.post(undo, headers=api.operator)

    assert (by_crew.status_code, by_crew.json()["type"]) == (403, PROBLEMS + "insufficient-scope")
    assert "crew" in by_crew.json()["detail"]
    assert (by_reader.status_code, by_reader.json()["type"]) == (403, PROBLEMS + "insufficient-scope")
    assert (by_stranger.status_code, by_stranger.json()["type"]) == (403, PROBLEMS + "wrong-tenant")
    assert (by_widget.status_code, by_widget.json()["type"]) == (403, PROBLEMS + "insufficient-scope")
    assert (by_operator.status_code, by_operator.json()["type"]) == (403, PROBLEMS + "insufficient-scope")
    assert (await notes_on(api, "acme", job_id)).count(NOTE) == 1

    writer = await api.key("acme", "tools:write")
    unknown = await api.http.post(
        "/v1/tenants/acme/history/tx_nosuchconversation/undo", headers=writer["headers"]
    )
    assert (unknown.status_code, unknown.json()["type"]) == (404, PROBLEMS + "conversation-not-found")
    by_key = await api.http.post(undo, headers=writer["headers"])
    assert by_key.status_code == 200, by_key.text
    assert (await notes_on(api, "acme", job_id)).count(NOTE) == 0
