"""Uploads are read in worker processes held to limits: a crafted document is refused with the
reason and leaves nothing behind, one tenant cannot take every reader, and an ordinary document
that is merely long reads well inside a small processor-time limit."""

from __future__ import annotations

import asyncio
import multiprocessing

import pytest

from core.blobs import LocalBlobStore
from core.redis import Redis
from kb import DocumentTooComplex, KnowledgeBase, ReadingLimits, TooManyUploads
from testkit.documents import make_long_docx
from testkit.waiting import until

HEAVY = make_long_docx(400_000)
"""1 MB that unpacks to 40 MB of XML: seconds of processor time and hundreds of MB to read."""
NOTES = b"Valleys get ice and water shield before the underlayment goes down."


async def assert_nothing_stored(kb: KnowledgeBase, redis: Redis, blobs: LocalBlobStore, tenant: str) -> None:
    assert await kb.list_documents(tenant) == []
    assert await blobs.list_keys(f"t/{tenant}/") == []
    assert await redis.get(f"t:{tenant}:kb:version") is None  # no index was published
    assert await redis.zcard(f"t:{tenant}:kb:reading") == 0  # its reading place was given back


def readers_alive() -> list[multiprocessing.process.BaseProcess]:
    return [process for process in multiprocessing.active_children() if process.name == "kb-reader"]


async def test_a_long_docx_with_many_styles_and_merged_cells_reads_within_a_small_cpu_limit(redis, blobs):
    """40,000 paragraphs, 1,000 styles, a cell merged down 2,000 rows: python-docx's own lookups
    took minutes of processor time on this shape (and 1,000 merged rows overflowed its recursion);
    read in one pass it needs well under a second, so a 5 s limit leaves room on a busy machine."""
    kb = KnowledgeBase(redis, blobs, reading=ReadingLimits(cpu_seconds=5, wall_seconds=110))
    data = make_long_docx(40_000, extra_styles=1_000, merged_rows=2_000)

    result = await kb.ingest("acme", "shingle-guide.docx", data)

    assert result.document.chunk_count > 100
    [hit] = await kb.search("acme", "Line 39999", k=1)
    assert "Line 39999 of the shingle guide." in hit.text and hit.heading_path == ("Part 399",)
    [row] = await kb.search("acme", "Row 1999", k=1)
    assert "Gutters | Row 1999" in row.text  # the merged cell's text, repeated in its last row


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (ReadingLimits(cpu_seconds=1), "needs more than 1 s of processing to read"),
        (ReadingLimits(memory_bytes=64 * 1_048_576), "needs more than 64 MB of memory to read"),
        (ReadingLimits(wall_seconds=1), "took longer than 1 s to read"),
    ],
    ids=["cpu", "memory", "wall-clock"],
)
async def test_a_document_over_a_reading_limit_is_refused_with_the_reason_and_nothing_is_stored(
    redis, blobs, limits, reason
):
    kb = KnowledgeBase(redis, blobs, reading=limits)

    with pytest.raises(DocumentTooComplex, match=reason) as refused:
        await kb.ingest("acme", "crafted.docx", HEAVY)

    assert "Nothing was stored" in str(refused.value)
    await assert_nothing_stored(kb, redis, blobs, "acme")
    await until(lambda: not readers_alive())
    await kb.ingest("acme", "notes.txt", NOTES)  # the tenant can carry on at once
    assert [hit.document for hit in await kb.search("acme", "valley shield")] == ["notes.txt"]


async def test_a_tenant_reads_at_most_its_places_at_once_while_others_upload(redis, blobs):
    kb = KnowledgeBase(redis, blobs, reading=ReadingLimits(workers=2, per_tenant=1))
    await kb.ingest("globex", "warranty.txt", b"Gold System: twenty-five years on workmanship.")
    attack = asyncio.create_task(kb.ingest("acme", "crafted.docx", HEAVY))
    await until(lambda: _taken(redis, "acme"))

    with pytest.raises(TooManyUploads, match="wait for them to finish, then upload this document again"):
        await kb.ingest("acme", "notes.txt", NOTES)
    result = await kb.ingest("globex", "notes.txt", NOTES)  # another tenant still gets a reader
    hits = await kb.search("globex", "workmanship gold")

    assert not result.duplicate and [hit.document for hit in hits] == ["warranty.txt"]
    assert not attack.done()
    attack.cancel()  # the uploader went away: its worker is killed, its place given back
    with pytest.raises(asyncio.CancelledError):
        await attack
    await until(lambda: not readers_alive())
    await assert_nothing_stored(kb, redis, blobs, "acme")


async def _taken(redis: Redis, tenant: str) -> bool:
    return bool(await redis.zcard(f"t:{tenant}:kb:reading"))


async def test_closing_kills_the_workers_still_reading(redis, blobs):
    kb = KnowledgeBase(redis, blobs)
    upload = asyncio.create_task(kb.ingest("acme", "crafted.docx", HEAVY))
    await until(lambda: bool(readers_alive()))

    kb.close()

    with pytest.raises(Exception, match="shutting down"):
        await upload
    assert readers_alive() == []
    await assert_nothing_stored(kb, redis, blobs, "acme")
