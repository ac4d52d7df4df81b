"""Every request body is bounded before it is read: small without a credential, larger with one,
largest for a knowledge upload; declared (Content-Length) or streamed (chunked), an oversized body
gets a problem+json 413 and the route never acts on it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

from api.body_limits import ANONYMOUS_MAX_BYTES, DEFAULT_MAX_BYTES
from tests.api.conftest import Api

PROBLEMS = "https://hard-e.dev/problems/"
CHUNK = 8 * 1024


async def _invite_code(api: Api) -> str:
    created = await api.http.post("/v1/invites", json={}, headers=api.operator)
    assert created.status_code == 201, created.text
    code: str = created.json()["code"]
    return code


def _redemption(code: str, padding: int) -> bytes:
    """A genuine redemption made ``padding`` bytes larger by a long company name."""
    body = {"code": code, "your_name": "Sam", "company_name": "Peak" + "x" * padding}
    return json.dumps(body).encode()


async def _chunked(body: bytes) -> AsyncIterator[bytes]:
    """The body as a stream: httpx sends it chunked, with no Content-Length."""
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


def _assert_too_large(response: httpx.Response, limit_text: str) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEMS + "request-too-large"
    assert limit_text in response.json()["detail"]


async def test_an_oversized_redemption_is_refused_unread_whether_declared_or_chunked(api: Api):
    code = await _invite_code(api)
    body = _redemption(code, ANONYMOUS_MAX_BYTES)
    headers = {"Content-Type": "application/json"}

    declared = await api.http.post("/v1/invites/redeem", content=body, headers=headers)
    chunked = await api.http.post("/v1/invites/redeem", content=_chunked(body), headers=headers)

    assert "content-length" not in chunked.request.headers
    for response in (declared, chunked):
        _assert_too_large(response, "64 KiB")
    assert (await api.http.get("/v1/invites", headers=api.operator)).json()[0]["redeemed_at"] is None
    fits = await api.http.post("/v1/invites/redeem", content=_redemption(code, 100), headers=headers)
    assert fits.status_code == 201, fits.text


async def test_a_credential_buys_a_larger_limit_but_not_an_unbounded_one(api: Api):
    await api.tenant("acme")
    path = "/v1/tenants/acme/settings"
    soul = {"soul_document": "x" * (ANONYMOUS_MAX_BYTES * 2)}  # over 64 KiB: read, then judged
    headers = {**api.operator, "Content-Type": "application/json"}
    huge = json.dumps({"soul_document": "x" * DEFAULT_MAX_BYTES}).encode()

    read = await api.http.patch(path, json=soul, headers=api.operator)
    anonymous = await api.http.patch(path, json=soul)
    declared = await api.http.patch(path, content=huge, headers=headers)
    chunked = await api.http.patch(path, content=_chunked(huge), headers=headers)

    assert read.status_code == 422 and read.json()["type"] == PROBLEMS + "validation-error"
    _assert_too_large(anonymous, "64 KiB")
    assert "with a credential" in anonymous.json()["detail"]
    for response in (declared, chunked):
        _assert_too_large(response, "1 MiB")


async def test_a_knowledge_upload_may_be_larger_than_other_bodies(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "knowledge")
    program = b"MZ" + b"\x00" * (2 * DEFAULT_MAX_BYTES)

    upload = await api.http.post(
        "/v1/tenants/acme/knowledge",
        files={"file": ("setup.exe", program, "application/octet-stream")},
        headers=key["headers"],
    )

    assert upload.status_code == 415  # past the body limit, refused by the knowledge base for its type
    assert upload.json()["type"] == PROBLEMS + "unsupported-document"


async def test_twilios_webhooks_without_a_credential_get_the_small_limit(api: Api):
    form = {"CallSid": "CA" + "0" * 32, "Padding": "x" * ANONYMOUS_MAX_BYTES}

    response = await api.http.post("/twilio/voice", data=form)

    _assert_too_large(response, "64 KiB")


async def test_every_operation_that_takes_a_body_documents_the_413(api: Api):
    document = (await api.http.get("/openapi.json")).json()
    with_body = {
        f"{method.upper()} {path}": operation["responses"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }

    assert "POST /v1/invites/redeem" in with_body
    undocumented = [name for name, responses in with_body.items() if "413" not in responses]
    assert undocumented == []
    too_large = with_body["POST /v1/invites/redeem"]["413"]
    assert too_large["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
