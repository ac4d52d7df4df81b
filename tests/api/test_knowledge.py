"""Knowledge documents over the API: uploaded into the blob store and the search index, listed, deleted."""

from __future__ import annotations

import asyncio

import httpx

from kb import MAX_DOCUMENT_BYTES
from testkit.documents import make_long_docx
from testkit.waiting import until
from tests.api.conftest import Api, ApiFactory

PROBLEMS = "https://hard-e.dev/problems/"
PRICES = b"# Price sheet\n\n## Metal roofs\n\nStanding seam runs 14 dollars a square foot installed.\n"


async def test_an_upload_is_stored_searchable_listed_and_deletable(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "knowledge")
    path = "/v1/tenants/acme/knowledge"

    uploaded = await api.http.post(
        path, files={"file": ("prices.md", PRICES, "text/markdown")}, headers=key["headers"]
    )
    again = await api.http.post(
        path, files={"file": ("copy.md", PRICES, "text/markdown")}, headers=key["headers"]
    )

    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()["document"]
    assert (document["name"], document["kind"], document["size_bytes"]) == ("prices.md", "md", len(PRICES))
    assert again.json() == {"document": document, "duplicate": True}
    assert [d["id"] for d in (await api.http.get(path, headers=key["headers"])).json()] == [document["id"]]
    assert await api.admin.blobs.list_keys("t/acme/kb/docs/") == [f"t/acme/kb/docs/{document['id']}.md"]
    hits = await api.admin.knowledge.search("acme", "standing seam metal roof price")
    assert hits and "14 dollars" in hits[0].text

    deleted = await api.http.delete(f"{path}/{document['id']}", headers=key["headers"])
    assert deleted.status_code == 204
    assert (await api.http.get(path, headers=key["headers"])).json() == []
    assert await api.admin.knowledge.search("acme", "standing seam metal roof price") == []
    missing = await api.http.delete(f"{path}/{document['id']}", headers=key["headers"])
    assert (missing.status_code, missing.json()["type"]) == (404, PROBLEMS + "document-not-found")


async def test_wrong_types_empty_files_and_oversized_uploads_are_refused_with_the_reason(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "knowledge")
    path = "/v1/tenants/acme/knowledge"

    exe = await api.http.post(
        path, files={"file": ("setup.exe", b"MZ\x90\x00", "application/octet-stream")}, headers=key["headers"]
    )
    empty = await api.http.post(
        path, files={"file": ("empty.txt", b"", "text/plain")}, headers=key["headers"]
    )
    huge = await api.http.post(
        path,
        files={"file": ("huge.txt", b"a" * (MAX_DOCUMENT_BYTES + 1), "text/plain")},
        headers=key["headers"],
    )

    assert (exe.status_code, exe.json()["type"]) == (415, PROBLEMS + "unsupported-document")
    assert ".md" in exe.json()["detail"]
    assert empty.status_code == 422
    assert huge.status_code == 413
    assert "MB" in huge.json()["detail"]
    assert (await api.http.get(path, headers=key["headers"])).json() == []
    assert await api.admin.blobs.list_keys("t/acme/") == []


async def test_crafted_uploads_are_refused_while_another_tenant_uploads_and_searches(make_api: ApiFactory):
    """The attack of issue 14: crafted .docx files that take far more processor time to read than
    they are worth. Two are read at once and refused at the limit, a third is refused at once; the
    other tenant's upload and search go through meanwhile, and the attacker's leave nothing."""
    async with make_api(kb_reading_cpu_seconds=4, kb_uploads_per_tenant=2) as api:
        for tenant in ("mallory", "acme"):
            await api.tenant(tenant)
        mallory = (await api.key("mallory", "knowledge"))["headers"]
        acme = (await api.key("acme", "knowledge"))["headers"]
        crafted = [make_long_docx(400_000 + n) for n in range(3)]  # ~6 s of processing each

        def attack(n: int) -> asyncio.Task[httpx.Response]:
            upload = ("crafted.docx", crafted[n], "application/octet-stream")
            return asyncio.create_task(
                api.http.post("/v1/tenants/mallory/knowledge", files={"file": upload}, headers=mallory)
            )

        attacks = [attack(0), attack(1)]
        await until(lambda: _reading(api, "mallory", 2))
        third = await attack(2)
        uploaded = await api.http.post(
            "/v1/tenants/acme/knowledge", files={"file": ("prices.md", PRICES, "text/markdown")}, headers=acme
        )
        hits = await api.admin.knowledge.search("acme", "standing seam metal roof price")
        refused = await asyncio.wait_for(asyncio.gather(*attacks), timeout=100)

        assert uploaded.status_code == 201, uploaded.text
        assert hits and "14 dollars" in hits[0].text
        assert (third.status_code, third.json()["type"]) == (429, PROBLEMS + "too-many-uploads")
        assert "wait for them to finish" in third.json()["detail"]
        for response in refused:
            assert (response.status_code, response.json()["type"]) == (422, PROBLEMS + "document-too-complex")
            assert "needs more than 4 s of processing" in response.json()["detail"]
        assert (await api.http.get("/v1/tenants/mallory/knowledge", headers=mallory)).json() == []
        assert await api.admin.blobs.list_keys("t/mallory/") == []
        assert await _reading(api, "mallory", 0)


async def _reading(api: Api, tenant: str, count: int) -> bool:
    return bool(await api.admin.redis.zcard(f"t:{tenant}:kb:reading") == count)
