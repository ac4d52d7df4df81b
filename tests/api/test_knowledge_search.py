"""Searching the knowledge base from the console: the passages Hard-E would be given, each with its
document and heading; and the starter documents switched on and off without touching uploads."""

from __future__ import annotations

from tests.api.conftest import Api

GUIDE = b"""# Gutter Guard Guide

## Installation

Micro-mesh guards clip under the first shingle course; allow two hours per 100 feet.

## Pricing

Micro-mesh guards run $9 to $12 per linear foot installed, with a 25-year clog-free promise.
"""


async def test_search_returns_the_uploaded_passage_with_its_heading(api: Api) -> None:
    await api.tenant("acme")
    key = await api.key("acme", "knowledge")
    upload = await api.http.post(
        "/v1/tenants/acme/knowledge",
        files={"file": ("gutter-guards.md", GUIDE, "text/markdown")},
        headers=key["headers"],
    )
    assert upload.status_code == 201, upload.text

    found = await api.http.get(
        "/v1/tenants/acme/knowledge/search", params={"q": "how much per linear foot"}, headers=key["headers"]
    )
    assert found.status_code == 200, found.text
    best = found.json()[0]
    assert best["document_id"] == upload.json()["document"]["id"]
    assert best["filename"] == "gutter-guards.md"
    assert best["heading"] == "Gutter Guard Guide > Pricing"
    assert "$9 to $12 per linear foot" in best["text"] and best["score"] > 0

    blank = await api.http.get(
        "/v1/tenants/acme/knowledge/search", params={"q": "   "}, headers=key["headers"]
    )
    assert blank.status_code == 422 and "blank" in blank.json()["detail"]
    missing = await api.http.get("/v1/tenants/acme/knowledge/search", headers=key["headers"])
    assert missing.status_code == 422 and missing.headers["content-type"] == "application/problem+json"
    await api.tenant("other")
    stranger = await api.key("other", "knowledge")
    refused = await api.http.get(
        "/v1/tenants/acme/knowledge/search", params={"q": "linear foot"}, headers=stranger["headers"]
    )
    assert refused.status_code == 403
    assert (
        await api.http.get(
            "/v1/tenants/other/knowledge/search", params={"q": "linear foot"}, headers=stranger["headers"]
        )
    ).json() == []


async def test_starter_documents_go_on_and_off_and_uploads_stay(api: Api) -> None:
    await api.tenant("acme")
    key = await api.key("acme", "knowledge")
    url = "/v1/tenants/acme/knowledge"
    own = await api.http.post(
        url, files={"file": ("gutter-guards.md", GUIDE, "text/markdown")}, headers=key["headers"]
    )
    assert own.status_code == 201, own.text

    on = await api.http.put(f"{url}/starter", json={"enabled": True}, headers=key["headers"])
    assert on.status_code == 200, on.text
    assert "warranty-tiers.md" in on.json()["changed"] and on.json()["enabled"] is True
    names = {doc["name"] for doc in (await api.http.get(url, headers=key["headers"])).json()}
    assert {"gutter-guards.md", "warranty-tiers.md", "price-ranges.md"} <= names
    again = await api.http.put(f"{url}/starter", json={"enabled": True}, headers=key["headers"])
    assert again.json()["changed"] == []

    off = await api.http.put(f"{url}/starter", json={"enabled": False}, headers=key["headers"])
    assert off.status_code == 200 and set(off.json()["changed"]) == names - {"gutter-guards.md"}
    assert [doc["name"] for doc in (await api.http.get(url, headers=key["headers"])).json()] == [
        "gutter-guards.md"
    ]
    hits = (
        await api.http.get(f"{url}/search", params={"q": "warranty tiers"}, headers=key["headers"])
    ).json()
    assert {hit["filename"] for hit in hits} <= {"gutter-guards.md"}
    bad = await api.http.put(f"{url}/starter", json={"enabled": "sometimes"}, headers=key["headers"])
    assert bad.status_code == 422
