"""Conversation history across channels, read through the API of the live app.

A real call runs through the one pipeline on the app's own services (speech fakes on loopback, the
caller speaking Piper audio); a typed conversation and Direct Tools requests go through their real
doors. Each then shows up in the history with what it left behind, and only for its own tenant.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pipecat.transports.websocket.fastapi import FastAPIWebsocketTransport
from pydantic import SecretStr

from brain import CallContext, Channel
from harde.services import Services
from pipeline import CallRecord, CallUpdate, SpokenLine, ToolLogEntry, run_call
from tenants import Role
from testkit.fakes.anthropic import on, on_tool_result, on_user, reply, tool_use
from testkit.fakes.cartesia import FakeCartesia
from testkit.fakes.deepgram import FakeDeepgram
from testkit.pcm_caller import Caller, dial, pcm_call_app
from testkit.said import CallerWords
from testkit.servers import serve
from testkit.waiting import until
from tests.api.conftest import Api, bearer
from tests.brain.conftest import action_ids
from tests.pipeline.conftest import TEST_TIMING, VOICE

STAGES = {"endpointing", "transcription", "turn", "llm", "speech", "other"}


def learns(fact: str, summary: str) -> Any:
    """The end-of-session extraction's answer: one fact about the caller, and the summary."""
    memories = [{"about": "caller", "text": fact, "confidence": 0.9}]
    return on(
        lambda r: "long-term memory" in r.system_text,
        reply(tool_use("record_memories", {"memories": memories, "summary": summary})),
    )


@dataclasses.dataclass
class LiveCall:
    caller: Caller
    updates: list[CallUpdate]

    def answered(self, after: int) -> bool:
        """Hard-E has said a line after the first ``after`` updates."""
        return any(isinstance(u, SpokenLine) and u.role == "assistant" for u in self.updates[after:])


@asynccontextmanager
async def phone_call(api: Api, ctx: CallContext) -> AsyncIterator[LiveCall]:
    """A call into the app's own pipeline (its brain, Redis, blobs, memory hook), heard by the
    Deepgram fake from known transcripts and spoken by the Cartesia fake."""
    services: Services = api.app.state.services
    words = CallerWords()
    deepgram, cartesia = FakeDeepgram(transcriber=words), FakeCartesia()
    async with serve(deepgram.app) as stt_url, serve(cartesia.app) as tts_url:
        speech = {
            "deepgram_api_key": SecretStr("dg-test-key"),
            "deepgram_url": stt_url.replace("http://", "ws://"),
            "cartesia_api_key": SecretStr("cartesia-test-key"),
            "cartesia_url": tts_url.replace("http://", "ws://") + "/tts/websocket",
        }
        deps = dataclasses.replace(
            services.pipeline, settings=services.settings.model_copy(update=speech), timing=TEST_TIMING
        )
        await services.tenants.update_tenant(ctx.tenant_id, voice=VOICE)
        updates: list[CallUpdate] = []
        finished: asyncio.Future[CallRecord] = asyncio.get_running_loop().create_future()

        async def note(update: CallUpdate) -> None:
            updates.append(update)

        async def run(transport: FastAPIWebsocketTransport) -> None:
            try:
                finished.set_result(
                    await run_call(transport, ctx, deps, audio_out_sample_rate=16000, on_update=note)
                )
            except BaseException as error:
                finished.set_exception(error)
                raise

        async with serve(pcm_call_app(run, out_rate=16000)) as base:
            async with dial(base, out_rate=16000, words=words) as caller:
                yield LiveCall(caller, updates)
                await caller.hang_up()
            await asyncio.wait_for(finished, 60)  # the wrap-up (transcript, summary, memory) is done


async def owner(api: Api, tenant_id: str, name: str = "Dana Whitfield") -> dict[str, Any]:
    created = await api.http.post(
        f"/v1/tenants/{tenant_id}/users", json={"name": name, "role": "owner"}, headers=api.operator
    )
    assert created.status_code == 201, created.text
    user: dict[str, Any] = created.json()
    return user


async def test_a_phone_call_shows_its_transcript_tools_summary_learning_and_latency(api: Api) -> None:
    await api.tenant("acme")
    dana = await owner(api, "acme")
    reader = await api.key("acme", "conversations")
    job = next(job for job in (await api.leap_data("acme")).jobs.values() if not job.archived)
    last_name = job.name.split(" - ")[0]
    api.fake.script(
        on_user("status", reply(tool_use("find_jobs", {"keyword": last_name}))),
        on_tool_result("find_jobs", f"The {last_name} job is moving along."),
        learns("Dana checks job status first thing.", f"Dana asked about the {last_name} job."),
    )
    ctx = CallContext(
        "acme", "ph_0123456789abcdef01234567", Channel.PHONE, role=Role.OWNER, user_id=dana["id"],
        user_name=dana["name"],
    )  # fmt: skip

    async with phone_call(api, ctx) as call:
        await until(lambda: call.answered(0))  # the greeting
        heard = len(call.updates)
        await call.caller.say(f"What is the status of the {last_name} job?")
        await until(lambda: any(isinstance(u, ToolLogEntry) for u in call.updates) and call.answered(heard))

    listed = await api.http.get("/v1/tenants/acme/history", headers=reader["headers"])
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["id"] == ctx.session_id and item["channel"] == "phone" and item["status"] == "ended"
    assert item["caller"] == {"user_id": dana["id"], "name": "Dana Whitfield", "key_id": None}
    assert item["turns"] == 1 and item["tools_called"] == 1
    assert item["summary"] == f"Dana asked about the {last_name} job."

    detail = (
        await api.http.get(f"/v1/tenants/acme/history/{ctx.session_id}", headers=reader["headers"])
    ).json()
    roles = [line["role"] for line in detail["lines"]]
    assert roles[0] == "assistant" and "caller" in roles
    assert any(
        last_name.lower() in line["text"].lower() for line in detail["lines"] if line["role"] == "caller"
    )
    [tool] = detail["tools"]
    assert (tool["name"], tool["status"], tool["arguments"]) == ("find_jobs", "ok", {"keyword": last_name})
    assert [memory["text"] for memory in detail["learned"]] == ["Dana checks job status first thing."]
    answered = [turn for turn in detail["latency"] if turn["turn"] > 0]
    assert answered, detail["latency"]
    for turn in answered:
        assert set(turn["stages_ms"]) == STAGES
        assert turn["stages_ms"]["llm"] > 0 and turn["total_ms"] > 0


async def test_a_typed_conversation_shows_its_lines_tools_and_confirmation(api: Api) -> None:
    await api.tenant("acme")
    dana = await owner(api, "acme")
    widget = await api.http.post(
        "/v1/tenants/acme/widget-tokens", json={"user_id": dana["id"]}, headers=api.operator
    )
    person = bearer(widget.json()["token"])
    reader = await api.key("acme", "conversations")
    job = next(job for job in (await api.leap_data("acme")).jobs.values() if not job.archived)
    api.fake.script(
        on_user("gutters", reply(tool_use("add_job_note", {"job_id": job.id, "text": "Gutters too."}))),
        on_tool_result("add_job_note", "Add 'Gutters too.' to the job?"),
        on_user("yes", lambda r: reply(tool_use("confirm_action", {"action_id": action_ids(r)[-1]}))),
        on_tool_result("confirm_action", "Done, the note is on the job."),
        learns("Dana wants gutters noted on jobs.", "Dana had Hard-E note gutters on a job."),
    )
    conversation = (await api.http.post("/v1/conversations", headers=person)).json()["id"]
    for text in ("Note gutters on that job", "Yes, go ahead"):
        sent = await api.http.post(
            f"/v1/conversations/{conversation}/messages", json={"text": text}, headers=person
        )
        assert sent.status_code == 200, sent.text
    assert (await api.http.post(f"/v1/conversations/{conversation}/end", headers=person)).status_code == 200

    detail = await api.http.get(f"/v1/tenants/acme/history/{conversation}", headers=reader["headers"])
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert (body["channel"], body["status"], body["turns"]) == ("text", "ended", 2)
    assert body["caller"]["user_id"] == dana["id"]
    assert body["summary"] == "Dana had Hard-E note gutters on a job."
    assert [(line["role"], line["text"]) for line in body["lines"]] == [
        ("caller", "Note gutters on that job"),
        ("assistant", "Add 'Gutters too.' to the job?"),
        ("caller", "Yes, go ahead"),
        ("assistant", "Done, the note is on the job."),
    ]
    proposed, confirmed = body["tools"]
    assert (proposed["name"], proposed["status"]) == ("add_job_note", "pending")
    assert proposed["arguments"] == {"job_id": job.id, "text": "Gutters too."}
    assert proposed["confirmation"]["state"] == "confirmed"
    assert (confirmed["name"], confirmed["status"]) == ("add_job_note", "confirmed")
    assert confirmed["confirmation"]["action_id"] == proposed["confirmation"]["action_id"]
    assert body["latency"] == []
    assert [memory["text"] for memory in body["learned"]] == ["Dana wants gutters noted on jobs."]


async def test_history_pages_newest_first_filters_by_channel_and_stays_in_its_tenant(api: Api) -> None:
    await api.tenant("acme")
    await api.tenant("other")
    tools = await api.key("acme", "tools:read", "conversations")
    job = next(job for job in (await api.leap_data("acme")).jobs.values() if not job.archived)
    for _ in range(3):
        ran = await api.http.post("/v1/tools/job_overview", json={"job_id": job.id}, headers=tools["headers"])
        assert ran.status_code == 200, ran.text

    first = (
        await api.http.get(
            "/v1/tenants/acme/history", params={"channel": "api", "limit": 2}, headers=tools["headers"]
        )
    ).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (
        await api.http.get(
            "/v1/tenants/acme/history",
            params={"channel": "api", "limit": 2, "cursor": first["next_cursor"]},
            headers=tools["headers"],
        )
    ).json()
    items = first["items"] + second["items"]
    assert len({item["id"] for item in items}) == 3 and second["next_cursor"] is None
    starts = [item["started_at"] for item in items]
    assert starts == sorted(starts, reverse=True)
    assert all(item["caller"]["key_id"] == tools["id"] and item["tools_called"] == 1 for item in items)
    only_text = await api.http.get(
        "/v1/tenants/acme/history", params={"channel": "text"}, headers=tools["headers"]
    )
    assert only_text.json() == {"items": [], "next_cursor": None}

    stranger = await api.key("other", "conversations", "admin")
    for path in ("/v1/tenants/acme/history", f"/v1/tenants/acme/history/{items[0]['id']}"):
        refused = await api.http.get(path, headers=stranger["headers"])
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("/wrong-tenant")
    own = await api.http.get("/v1/tenants/other/history", headers=stranger["headers"])
    assert own.json()["items"] == []
    elsewhere = await api.http.get(f"/v1/tenants/other/history/{items[0]['id']}", headers=stranger["headers"])
    assert elsewhere.status_code == 404 and elsewhere.json()["type"].endswith("/conversation-not-found")


async def test_history_refuses_widget_tokens_keys_without_the_scope_and_bad_cursors(api: Api) -> None:
    await api.tenant("acme")
    dana = await owner(api, "acme")
    widget = await api.http.post(
        "/v1/tenants/acme/widget-tokens", json={"user_id": dana["id"]}, headers=api.operator
    )
    by_widget = await api.http.get("/v1/tenants/acme/history", headers=bearer(widget.json()["token"]))
    assert by_widget.status_code == 403 and "widget token" in by_widget.json()["detail"]
    tools_only = await api.key("acme", "tools:read")
    unscoped = await api.http.get("/v1/tenants/acme/history", headers=tools_only["headers"])
    assert unscoped.status_code == 403 and unscoped.json()["type"].endswith("/insufficient-scope")
    reader = await api.key("acme", "conversations")
    bad = await api.http.get(
        "/v1/tenants/acme/history", params={"cursor": "yesterday"}, headers=reader["headers"]
    )
    assert bad.status_code == 422 and "cursor" in bad.json()["detail"]
