"""Isolation matrix: every operation in the live OpenAPI document, aimed at tenant B's resources,
with every credential that must not reach them. None may answer with B's data or change B.

Tenant B ("bravo-marker") holds recognisable markers everywhere: its name, soul document, a user,
a phone, an API key, a document, a conversation, a note in its CRM. The credentials: tenant A's
API key (every scope) and A's widget token, B's own revoked key and expired key, no credential,
and the key of a trial tenant past its limit. Requests carry valid bodies, so a missing check
would show up as a success rather than hide behind a validation error. Tenant A has not connected
Leap, so a tool that ran anywhere but in A's own (empty) CRM would be noticed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from memory import MemoryTier
from tenants import Scope, new_sandbox_token
from tenants.models import utcnow
from tests.api.conftest import ALL_SCOPES, Api, bearer

B = "bravo-marker"
B_NAME = "Bravo Marker Roofing"
B_SOUL = "BRAVO-SOUL-7731"
B_USER = "Zelda Bravomarker"
B_PHONE = "+15125550199"
B_NUMBER = "+15125550188"
B_DOCUMENT = "bravo-marker-prices.md"
B_DOCUMENT_TEXT = "BRAVO-DOC-5521"
B_NOTE = "BRAVO-CRM-NOTE-9912"
B_MEMORY = "BRAVO-MEMORY-3307"

ACTING_AS_CALLER = ("/v1/tools", "/v1/conversations", "/v1/widget-tokens/refresh", "/v1/soul-templates")
"""Operations that act as the credential's own tenant (no tenant in the path)."""
SIGN_OUT = ("POST", "/v1/auth/sign-out")

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/v1/tenants"): {"id": "matrix-new", "name": "Matrix New"},
    ("PATCH", "/v1/tenants/{tenant_id}"): {"name": "Hijacked"},
    ("PATCH", "/v1/tenants/{tenant_id}/settings"): {"soul_document": "hijacked"},
    ("PUT", "/v1/tenants/{tenant_id}/leap"): {"token": new_sandbox_token()},
    ("POST", "/v1/tenants/{tenant_id}/users"): {"name": "Intruder"},
    ("PATCH", "/v1/tenants/{tenant_id}/users/{user_id}"): {"name": "Intruder"},
    ("POST", "/v1/tenants/{tenant_id}/numbers"): {"number": "+15125550177"},
    ("POST", "/v1/tenants/{tenant_id}/api-keys"): {"name": "intruder", "scopes": ["admin"]},
    ("POST", "/v1/tenants/{tenant_id}/widget-tokens"): {},
    ("POST", "/v1/tenants/{tenant_id}/knowledge"): "multipart",
    ("POST", "/v1/invites"): {},
    ("PATCH", "/v1/tenants/{tenant_id}/memories/{memory_id}"): {"text": "hijacked"},
    ("POST", "/v1/tenants/{tenant_id}/calls"): "user",
    ("PUT", "/v1/tenants/{tenant_id}/onboarding/{step}"): {"status": "done"},
    ("POST", "/v1/tenants/{tenant_id}/greeting-preview"): {},
    ("PUT", "/v1/tenants/{tenant_id}/knowledge/starter"): {"enabled": False},
    ("PUT", "/v1/tenants/{tenant_id}/users/{user_id}/briefing"): {"time": "07:30"},
    ("POST", "/v1/conversations/{conversation_id}/messages"): {"text": "read me your notes"},
    ("POST", "/v1/conversations/{conversation_id}/messages/stream"): {"text": "read me your notes"},
}


def example_args(schema: dict[str, Any]) -> dict[str, Any]:
    """Arguments that satisfy a tool's required fields, so the call is not stopped by validation."""
    filler = {"integer": 1, "number": 1, "string": "Smith", "boolean": False, "array": [], "object": {}}
    args = {}
    for name in schema.get("required", []):
        spec = schema["properties"][name]
        args[name] = spec["enum"][0] if "enum" in spec else filler.get(spec.get("type", "string"), "Smith")
    return args


async def seed_bravo(api: Api) -> dict[str, Any]:
    """Tenant B with a marker in every kind of data it holds; returns B's ids."""
    await api.tenant(B, name=B_NAME)
    key = await api.key(B, *ALL_SCOPES, name="bravo key")
    headers = key["headers"]
    await api.http.patch(f"/v1/tenants/{B}/settings", json={"soul_document": B_SOUL}, headers=headers)
    user = (
        await api.http.post(
            f"/v1/tenants/{B}/users", json={"name": B_USER, "phones": [B_PHONE]}, headers=headers
        )
    ).json()
    await api.http.post(f"/v1/tenants/{B}/numbers", json={"number": B_NUMBER}, headers=api.operator)
    document = await api.http.post(
        f"/v1/tenants/{B}/knowledge",
        files={"file": (B_DOCUMENT, f"# Prices\n\n{B_DOCUMENT_TEXT}".encode())},
        headers=headers,
    )
    job = next(job for job in (await api.leap_data(B)).jobs.values() if not job.archived)
    noted = await api.http.post(
        "/v1/tools/add_job_note", json={"job_id": job.id, "text": B_NOTE}, headers=headers
    )
    assert noted.status_code == 200, noted.text
    conversation = (await api.http.post("/v1/conversations", headers=headers)).json()["id"]
    history = (await api.http.get(f"/v1/tenants/{B}/history", headers=headers)).json()
    invite = (await api.http.post("/v1/invites", json={}, headers=api.operator)).json()
    memory = await api.admin.brain.memory.remember(
        B, tier=MemoryTier.PERSON, subject=user["id"], text=B_MEMORY, source_session="seed"
    )
    return {
        "memory_id": memory.id,
        "key": key,
        "tenant_id": B,
        "user_id": user["id"],
        "key_id": key["id"],
        "document_id": document.json()["document"]["id"],
        "conversation_id": conversation,
        "session_id": history["items"][0]["id"],  # the Direct Tools request that wrote the note
        "step": "company",
        "number": B_NUMBER,
        "invite_id": invite["id"],
    }


async def credentials(api: Api) -> dict[str, dict[str, str]]:
    await api.tenant("alpha", crm="leap")  # no Leap token: its tools can only refuse
    alpha_key = await api.key("alpha", *ALL_SCOPES)
    alpha_user = (
        await api.http.post("/v1/tenants/alpha/users", json={"name": "Al"}, headers=api.operator)
    ).json()
    widget = await api.http.post(
        "/v1/tenants/alpha/widget-tokens", json={"user_id": alpha_user["id"]}, headers=api.operator
    )
    revoked = await api.key(B, *ALL_SCOPES)
    await api.http.delete(f"/v1/tenants/{B}/api-keys/{revoked['id']}", headers=api.operator)
    _, expired = await api.admin.keys.create(
        await api.admin.tenants.get_tenant(B),
        name="expired",
        scopes=set(Scope),
        created_by="test",
        expires_at=utcnow() - timedelta(minutes=1),
    )
    await api.tenant("charlie-trial", trial={"max_messages": 0, "expires_at": "2021-06-01T00:00:00Z"})
    trial_key = await api.key("charlie-trial", *ALL_SCOPES)
    return {
        "another tenant's key": alpha_key["headers"],
        "another tenant's widget token": bearer(widget.json()["token"]),
        "a revoked key": revoked["headers"],
        "an expired key": bearer(expired),
        "no key": {},
        "a trial past its limit": trial_key["headers"],
    }


def markers(bravo: dict[str, Any]) -> list[str]:
    return [
        B_NAME,
        B_SOUL,
        B_USER,
        B_PHONE,
        B_DOCUMENT,
        B_DOCUMENT_TEXT,
        B_NOTE,
        B_MEMORY,
        bravo["key"]["prefix"],
        bravo["key"]["key"],
    ]


async def call(
    api: Api,
    method: str,
    template: str,
    operation: dict[str, Any],
    ids: dict[str, Any],
    headers: dict[str, str],
) -> httpx.Response:
    path = template.format(**ids)
    if template.startswith("/v1/tools/"):
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        return await api.http.request(method, path, json=example_args(schema), headers=headers)
    body = BODIES.get((method, template))
    if body == "multipart":
        return await api.http.request(method, path, files={"file": ("x.md", b"# intruder")}, headers=headers)
    if body == "user":
        body = {"user_id": ids["user_id"]}
    if body is None:
        assert "requestBody" not in operation, f"add a valid body for {method} {template} to BODIES"
        return await api.http.request(method, path, headers=headers)
    return await api.http.request(method, path, json=body, headers=headers)


async def test_no_credential_reaches_another_tenants_data(api: Api):
    bravo = await seed_bravo(api)
    creds = await credentials(api)
    before = await snapshot(api)
    spec = (await api.http.get("/openapi.json")).json()
    operations = [
        (method.upper(), template, operation)
        for template, item in spec["paths"].items()
        if template.startswith("/v1/")
        for method, operation in item.items()
    ]
    public = [(m, t) for m, t, o in operations if o.get("security") == []]
    assert sorted(public) == [  # what they are sent is their credential (a password, a code, a link)
        ("GET", "/v1/auth/password-links/{token}"),
        ("GET", "/v1/invites/lookup"),
        ("POST", "/v1/auth/operator-sign-in"),
        ("POST", "/v1/auth/password-links/{token}"),
        ("POST", "/v1/auth/sign-in"),
        ("POST", "/v1/invites/redeem"),
    ]

    failures = []
    for method, template, operation in operations:
        if (method, template) in public:
            continue
        for who, headers in creds.items():
            response = await call(api, method, template, operation, bravo, headers)
            text = response.text
            leaked = [marker for marker in markers(bravo) if marker in text]
            acting = template.startswith(ACTING_AS_CALLER) and "{conversation_id}" not in template
            dead = who in ("a revoked key", "an expired key", "no key") and (method, template) != SIGN_OUT
            if leaked or response.status_code >= 500:
                failures.append(f"{who}: {method} {template} -> {response.status_code} leaked {leaked}")
            elif dead and response.status_code != 401:
                failures.append(f"{who}: {method} {template} -> {response.status_code}, expected 401")
            elif (method, template) == SIGN_OUT and response.status_code == 204:
                continue  # ends the cookie's session, if any: with none it changes nothing
            elif not acting and response.status_code not in (401, 403, 404):
                failures.append(f"{who}: {method} {template} -> {response.status_code}: {text[:200]}")
            elif acting and template.startswith("/v1/tools/") and response.status_code < 300:
                failures.append(
                    f"{who}: {method} {template} ran ({response.status_code}) without a CRM of its own"
                )
    assert not failures, "\n".join(failures)
    assert await snapshot(api) == before
    assert (await api.http.get(f"/v1/tenants/{B}", headers=bravo["key"]["headers"])).status_code == 200


async def snapshot(api: Api) -> dict[str, Any]:
    """Everything of B (and the platform) an intruder could have changed, as the operator sees it."""
    tenant_paths = ["", "/settings", "/leap", "/users", "/numbers", "/api-keys", "/knowledge"]
    paths = [f"/v1/tenants/{B}{path}" for path in tenant_paths] + ["/v1/invites", "/v1/tenants"]
    found = {}
    for path in paths:
        response = await api.http.get(path, headers=api.operator)
        assert response.status_code == 200, response.text
        found[path] = response.json()
    found["usage"] = (await api.http.get(f"/v1/tenants/{B}/usage", headers=api.operator)).json()["messages"]
    return found
