"""Knowledge documents over the API: uploaded into the blob store and the search index, listed, deleted."""

from __future__ import annotations

from kb import MAX_DOCUMENT_BYTES
from tests.admin_api.conftest import Api

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
