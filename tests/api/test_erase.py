"""Erasing a tenant leaves nothing of it in Redis, and takes nothing of another tenant with it.

Two tenants are filled through the product's own doors: the admin API (settings, a user with a PIN
and an email, a number, an API key, a document), the web app (the user signs in; a password link
waits for them), the Direct Tools API (a write with an Idempotency-Key), a typed
conversation from a widget token (a change proposed, then the conversation ended so memory is
extracted), a widget token refresh, a signed Twilio voice webhook, and the record of a call. One is
erased through the API; then every key in Redis is read, names and, outside the tenant prefixes,
contents too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from twilio.request_validator import RequestValidator

from brain import CallContext, Channel
from core.keys import tenant_index, tenant_of
from memory import MemoryTier
from pipeline.record import Stage, TurnLatency
from pipeline.sessions import CallSessions
from tenants import Role
from tenants.password_links import Purpose
from testkit.fakes.anthropic import on, on_tool_result, reply, tool_use
from tests.api.conftest import Api, bearer

ERASED, KEPT = "erase-me", "keep-me"
LINES = {ERASED: "+15125550141", KEPT: "+15125550142"}
PHONES = {ERASED: "+15125550151", KEPT: "+15125550152"}
TWILIO_TOKEN = "twilio-auth-token-for-erase"
PUBLIC = "https://voice.example.com"

FAMILIES = {
    "tenant", "user", "users", "caller", "numbers", "secret", "pin", "apikey", "apikeys", "kb", "audit",
    "idem", "usage", "pending", "conv", "apiconv", "widget-retired", "memories", "memory",
    "stream", "call", "session", "sessions", "websessions", "pwlink",
}  # fmt: skip
"""What a tenant filled this way holds (``t:{tenant}:{family}...``): if one is missing, the test
no longer exercises its writer. Not the API rate-limit buckets (``rl``): at the test's generous
limits they expire within a second or two."""


async def sign_in_and_get_a_link(api: Api, tenant_id: str, user_id: str) -> None:
    """The person signs in to the web app (a session) and has a password link waiting."""
    await api.admin.tenants.set_password(tenant_id, user_id, "three green ladders")
    async with httpx.AsyncClient(base_url=api.http.base_url) as browser:
        signed = await browser.post(
            "/v1/auth/sign-in", json={"email": f"mike@{tenant_id}.example", "password": "three green ladders"}
        )
        assert signed.status_code == 200, signed.text
    tenant = await api.admin.tenants.get_tenant(tenant_id)
    user = await api.admin.tenants.get_user(tenant_id, user_id)
    await api.admin.password_links.create(tenant, user, Purpose.RESET, created_by="test")


async def fill(api: Api, tenant_id: str) -> None:
    await api.tenant(tenant_id)
    key = await api.key(tenant_id)
    headers = key["headers"]
    settings = {"soul_document": f"Be blunt, {tenant_id}."}
    assert (
        await api.http.patch(f"/v1/tenants/{tenant_id}/settings", json=settings, headers=headers)
    ).is_success
    user = (
        await api.http.post(
            f"/v1/tenants/{tenant_id}/users",
            json={
                "name": "Mike Alvarez",
                "phones": [PHONES[tenant_id]],
                "email": f"mike@{tenant_id}.example",
                "role": "owner",
                "pin": "2468",
            },
            headers=headers,
        )
    ).json()
    await sign_in_and_get_a_link(api, tenant_id, user["id"])
    number = {"number": LINES[tenant_id]}
    assert (
        await api.http.post(f"/v1/tenants/{tenant_id}/numbers", json=number, headers=api.operator)
    ).is_success
    upload = await api.http.post(
        f"/v1/tenants/{tenant_id}/knowledge",
        files={"file": ("warranty.md", b"# Warranty\n\nFifty years on shingles.", "text/markdown")},
        headers=headers,
    )
    assert upload.status_code == 201, upload.text

    job = next(job for job in (await api.leap_data(tenant_id)).jobs.values() if not job.archived)
    noted = await api.http.post(
        "/v1/tools/add_job_note",
        json={"job_id": job.id, "text": "Customer wants a Friday start."},
        headers={**headers, "Idempotency-Key": "note-1"},
    )
    assert noted.status_code == 200, noted.text

    widget = await api.http.post(
        f"/v1/tenants/{tenant_id}/widget-tokens", json={"user_id": user["id"]}, headers=api.operator
    )
    refreshed = await api.http.post("/v1/widget-tokens/refresh", headers=bearer(widget.json()["token"]))
    assert refreshed.status_code == 201, refreshed.text
    person = bearer(refreshed.json()["token"])
    conversation = (await api.http.post("/v1/conversations", headers=person)).json()["id"]
    api.fake.script(
        reply(tool_use("add_job_note", {"job_id": job.id, "text": "Gutters too."})),
        on_tool_result("add_job_note", "Add 'Gutters too.' to the job?"),
        on(
            lambda r: "long-term memory" in r.system_text,
            reply(tool_use("record_memories", {"memories": [
                {"about": "caller", "text": "Mike prefers texts to calls.", "confidence": 0.9}
            ]})),
        ),
    )  # fmt: skip
    sent = await api.http.post(
        f"/v1/conversations/{conversation}/messages",
        json={"text": "Note gutters on that job"},
        headers=person,
    )
    assert sent.status_code == 200, sent.text
    assert [event["status"] for event in sent.json()["events"]] == ["pending"]
    assert (await api.http.post(f"/v1/conversations/{conversation}/end", headers=person)).json()["learned"]
    await api.admin.brain.memory.remember(
        tenant_id,
        tier=MemoryTier.COMPANY,
        subject=tenant_id,
        text="We never work Sundays.",
        source_session="t",
    )
    api_conversation = await api.http.post("/v1/conversations", headers=headers)
    assert api_conversation.status_code == 201, api_conversation.text

    call_sid = "CA" + ("1" if tenant_id == ERASED else "2") * 32
    form = {"CallSid": call_sid, "From": PHONES[tenant_id], "To": LINES[tenant_id], "Direction": "inbound"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{PUBLIC}/twilio/voice", form)
    answered = await api.http.post("/twilio/voice", data=form, headers={"X-Twilio-Signature": signature})
    assert "<Stream" in answered.text, answered.text

    ctx = CallContext(
        tenant_id, "ph_0123456789abcdef0123", Channel.PHONE, role=Role.OWNER, user_id=user["id"]
    )
    sessions = CallSessions(api.admin.redis)
    await sessions.open(ctx, datetime.now(UTC))
    await sessions.add_latency(ctx, TurnLatency(1, "user_silence", 0.8, (Stage("llm", "claude", 0.5),)))


async def redis_contents(api: Api) -> dict[str, str]:
    """Every key, with (outside the tenant prefixes) what it holds, as text."""
    redis = api.admin.redis
    found = {}
    async for key in redis.scan_iter(count=1000):
        if tenant_of(key) is not None:
            found[key] = ""
            continue
        kind = await redis.type(key)
        if kind == "string":
            found[key] = str(await redis.get(key))
        elif kind == "hash":
            found[key] = " ".join(f"{k}={v}" for k, v in (await redis.hgetall(key)).items())
        elif kind == "set":
            found[key] = " ".join(sorted(await redis.smembers(key)))
        else:
            found[key] = f"<{kind}>"
    return found


def mentioning(contents: dict[str, str], tenant_id: str) -> dict[str, str]:
    return {key: value for key, value in contents.items() if tenant_id in key or tenant_id in value}


async def test_erasing_a_tenant_leaves_nothing_of_it_and_everything_of_the_other(make_api) -> None:
    async with make_api(public_url=PUBLIC, twilio_auth_token=TWILIO_TOKEN) as api:
        for tenant_id in (ERASED, KEPT):
            await fill(api, tenant_id)
        before = await redis_contents(api)
        for tenant_id in (ERASED, KEPT):
            families = {key.split(":")[2] for key in before if tenant_of(key) == tenant_id}
            assert families >= FAMILIES, f"{tenant_id} lacks {sorted(FAMILIES - families)}"
        assert mentioning(before, ERASED).keys() - {
            key for key in before if tenant_of(key)
        }  # its global keys

        erased = await api.http.delete(f"/v1/tenants/{ERASED}", headers=api.operator)
        assert erased.status_code == 200, erased.text

        after = await redis_contents(api)
        assert mentioning(after, ERASED) == {}
        kept_before, kept_after = mentioning(before, KEPT), mentioning(after, KEPT)
        assert kept_after.keys() == kept_before.keys()
        assert {k: v for k, v in kept_after.items() if k != tenant_index()} == {
            k: v for k, v in kept_before.items() if k != tenant_index()
        }  # the index lost only the erased tenant
        assert await api.admin.tenants.tenant_for_number(LINES[KEPT]) == KEPT
