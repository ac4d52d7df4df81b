"""The knowledge base of every tenant: documents in, snippets out, the same answers on every worker.

Where things live (a tenant is known only by its id):

- Redis ``t:{tenant}:kb:docs`` (hash: document id -> ``Document`` JSON) and ``t:{tenant}:kb:version``
  (the current index version, ``{counter}-{nonce}``; absent means nothing was ever ingested);
- the blob store, under ``t/{tenant}/``: ``kb/docs/{id}.{ext}`` (the original upload) and
  ``kb/index/{version}.zip`` (the built index with its chunk texts and citations).

Index archives are immutable and named by version, and a change becomes visible in one Redis
transaction that writes the document metadata and moves the version together. Readers therefore
never see metadata and an index that disagree, and each worker needs one cheap ``GET`` per search
to learn whether its cached index is still current; when it is not, it loads the new archive.

Concurrent changes to one tenant (two uploads on two workers, say) are serialised by a Redis lock
per tenant, and the commit is also a version check (``WATCH`` on the version key): should the lock
ever expire in the middle of a slow rebuild, the later writer finds the version moved and rebuilds
on top of the other's result instead of overwriting it. Either way, no document is lost.

A document's id is the start of its SHA-256, so the same bytes uploaded twice are one document.

An upload is read (parsed and chunked) in a worker process held to ``ReadingLimits``
(``kb.workers``), holding one of its tenant's few reading places (``kb.admission``, in Redis
``t:{tenant}:kb:reading``). Nothing is stored before the reading succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from redis.asyncio.client import Pipeline
from redis.exceptions import LockNotOwnedError, WatchError

from core.blobs import BlobNotFound, BlobStore
from core.keys import tenant_blob_prefix, tenant_key
from core.redis import Redis, as_str
from kb.admission import ReadingPlaces
from kb.errors import DocumentNotFound, KnowledgeBaseFull, KnowledgeBusy, KnowledgeError
from kb.index import SearchIndex
from kb.limits import MAX_CHUNKS_PER_TENANT, MAX_DOCUMENTS_PER_TENANT, ReadingLimits
from kb.models import Chunk, Document, DocumentKind, IngestResult, Snippet
from kb.parsing import check_upload, clean_filename
from kb.workers import DocumentReaders

log = logging.getLogger(__name__)

STARTER_DIR: Final = Path(__file__).parent / "starter"

MAX_CACHED_INDEXES: Final = 32
"""Tenants whose index one worker keeps in memory; the least recently searched is dropped first."""

LOCK_TTL_S: Final = 120.0
"""How long a writer may hold a tenant's lock; far above a rebuild at the chunk limit (about 3 s)."""

LOCK_WAIT_S: Final = 60.0
_ATTEMPTS: Final = 3
_DOCUMENT_ID_CHARS: Final = 16
_CONTENT_TYPES: Final = {
    DocumentKind.TEXT: "text/plain",
    DocumentKind.MARKDOWN: "text/markdown",
    DocumentKind.PDF: "application/pdf",
    DocumentKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_EMPTY: Final = SearchIndex(None, (), None)


def _starter_ids() -> frozenset[str]:
    """The document ids the starter files get (ids come from the bytes)."""
    return frozenset(
        hashlib.sha256(path.read_bytes()).hexdigest()[:_DOCUMENT_ID_CHARS]
        for path in STARTER_DIR.glob("*.md")
    )


def _docs_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "kb", "docs")


def _version_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "kb", "version")


def _lock_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "kb", "lock")


def _original_key(document: Document) -> str:
    return f"kb/docs/{document.id}.{document.kind.value}"


def _reading_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "kb", "reading")


def _index_key(version: str) -> str:
    return f"kb/index/{version}.zip"


def _next_version(current: str | None) -> str:
    """``{counter}-{nonce}``: the counter is for people reading logs; the nonce keeps two writers
    that race for the same counter from writing the same archive key."""
    counter = int(current.split("-", 1)[0]) + 1 if current else 1
    return f"{counter}-{secrets.token_hex(4)}"


class KnowledgeBase:
    """Ingest, list, delete and search documents, per tenant. One instance per worker process;
    ``close`` it when done, which stops any upload still being read."""

    def __init__(
        self,
        redis: Redis,
        blobs: BlobStore,
        *,
        max_documents: int = MAX_DOCUMENTS_PER_TENANT,
        max_chunks: int = MAX_CHUNKS_PER_TENANT,
        reading: ReadingLimits | None = None,
    ) -> None:
        self._redis = redis
        self._blobs = blobs
        self._max_documents = max_documents
        self._max_chunks = max_chunks
        self._indexes: OrderedDict[str, SearchIndex] = OrderedDict()
        self._loading: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        reading = reading or ReadingLimits()
        self._readers = DocumentReaders(reading)
        self._places = ReadingPlaces(redis, per_tenant=reading.per_tenant, wall_seconds=reading.wall_seconds)

    def close(self) -> None:
        """Kill the workers still reading uploads (those uploads are refused; nothing is stored)."""
        self._readers.close()

    # --- reading ---------------------------------------------------------------------------------

    async def search(self, tenant_id: str, query: str, k: int = 5) -> list[Snippet]:
        """The ``k`` chunks that best match ``query``, best first; empty when nothing matches.

        The search itself runs on the event loop: it takes well under a millisecond, less than
        handing it to a thread would cost.
        """
        index = await self._index(tenant_id, await self._version(tenant_id))
        return index.search(query, k)

    async def list_documents(self, tenant_id: str) -> list[Document]:
        """The tenant's documents, oldest first."""
        raw = await self._redis.hgetall(_docs_key(tenant_id))
        documents = [Document.model_validate_json(value) for value in raw.values()]
        return sorted(documents, key=lambda document: (document.added_at, document.name))

    async def get_document(self, tenant_id: str, document_id: str) -> Document:
        document = await self._document(tenant_id, document_id)
        if document is None:
            raise DocumentNotFound(
                f"there is no document {document_id!r} in this knowledge base; "
                "list the documents to see their ids"
            )
        return document

    # --- writing ---------------------------------------------------------------------------------

    async def ingest(self, tenant_id: str, filename: str, data: bytes) -> IngestResult:
        """Store and index one file; the same bytes again are reported as a duplicate, not re-added."""
        name = clean_filename(filename)
        kind = check_upload(name, len(data))
        sha256 = hashlib.sha256(data).hexdigest()
        document_id = sha256[:_DOCUMENT_ID_CHARS]
        existing = await self._document(tenant_id, document_id)
        if existing is not None:
            return IngestResult(existing, duplicate=True)
        async with self._places.place(_reading_key(tenant_id)):
            chunks = await self._readers.read(name, document_id, data)
        document = Document(
            id=document_id,
            name=name,
            kind=kind,
            size_bytes=len(data),
            sha256=sha256,
            chunk_count=len(chunks),
            added_at=datetime.now(UTC),
        )
        async with self._writing(tenant_id):
            existing = await self._document(tenant_id, document_id)
            if existing is not None:  # another worker stored the same bytes while we parsed them
                return IngestResult(existing, duplicate=True)
            if await self._redis.hlen(_docs_key(tenant_id)) >= self._max_documents:
                raise KnowledgeBaseFull(
                    f"this knowledge base already holds {self._max_documents} documents, the limit; "
                    "delete documents that are no longer needed before adding more"
                )
            scope = self._scope(tenant_id)
            await scope.put(_original_key(document), data, _CONTENT_TYPES[kind])
            try:
                await self._publish(
                    tenant_id,
                    document_id,
                    chunks,
                    lambda pipe: pipe.hset(_docs_key(tenant_id), document_id, document.model_dump_json()),
                )
            except BaseException:
                await scope.delete(_original_key(document))
                raise
            await self._tidy(tenant_id)
        log.info("kb %s: added %s as %s (%d chunks)", tenant_id, name, document_id, len(chunks))
        return IngestResult(document, duplicate=False)

    async def ingest_starter(self, tenant_id: str) -> list[IngestResult]:
        """Add the starter documents shipped in ``kb/starter`` (ones already there are duplicates)."""
        results = []
        for path in sorted(STARTER_DIR.glob("*.md")):
            results.append(await self.ingest(tenant_id, path.name, await asyncio.to_thread(path.read_bytes)))
        return results

    async def remove_starter(self, tenant_id: str) -> list[Document]:
        """Delete the starter documents: those whose bytes are a shipped starter file (a document the
        company uploaded under the same name, with its own content, stays)."""
        shipped = await asyncio.to_thread(_starter_ids)
        return [
            await self.delete_document(tenant_id, document.id)
            for document in await self.list_documents(tenant_id)
            if document.id in shipped
        ]

    async def delete_document(self, tenant_id: str, document_id: str) -> Document:
        """Remove a document and its chunks; every worker stops retrieving it on its next search."""
        async with self._writing(tenant_id):
            document = await self.get_document(tenant_id, document_id)
            await self._publish(
                tenant_id, document_id, (), lambda pipe: pipe.hdel(_docs_key(tenant_id), document_id)
            )
            await self._tidy(tenant_id, removed=_original_key(document))
        log.info("kb %s: deleted %s (%s)", tenant_id, document_id, document.name)
        return document

    # --- internals -------------------------------------------------------------------------------

    def _scope(self, tenant_id: str) -> BlobStore:
        return self._blobs.scoped(tenant_blob_prefix(tenant_id))

    async def _version(self, tenant_id: str) -> str | None:
        return as_str(await self._redis.get(_version_key(tenant_id)))

    async def _document(self, tenant_id: str, document_id: str) -> Document | None:
        raw = as_str(await self._redis.hget(_docs_key(tenant_id), document_id))
        return Document.model_validate_json(raw) if raw is not None else None

    @contextlib.asynccontextmanager
    async def _writing(self, tenant_id: str) -> AsyncIterator[None]:
        """Hold the tenant's write lock, so concurrent writers take turns instead of racing."""
        lock = self._redis.lock(
            _lock_key(tenant_id), timeout=LOCK_TTL_S, blocking_timeout=LOCK_WAIT_S, thread_local=False
        )
        if not await lock.acquire():
            raise KnowledgeBusy(
                "another upload or deletion for this knowledge base is still running; try again in a minute"
            )
        try:
            yield
        finally:
            # If the lock expired while we worked, the version check in the commit still protected us.
            with contextlib.suppress(LockNotOwnedError):
                await lock.release()

    async def _publish(
        self,
        tenant_id: str,
        document_id: str,
        chunks: Sequence[Chunk],
        record: Callable[[Pipeline], object],
    ) -> None:
        """Make ``chunks`` the document's chunks (none: remove it) in a new index version, and commit
        that version together with the metadata change that ``record`` queues."""
        scope = self._scope(tenant_id)
        for _ in range(_ATTEMPTS):
            current = await self._index(tenant_id, await self._version(tenant_id))
            kept = [chunk for chunk in current.chunks if chunk.document_id != document_id]
            if len(kept) + len(chunks) > self._max_chunks:
                raise KnowledgeBaseFull(
                    f"this knowledge base would hold {len(kept) + len(chunks)} passages, over the limit of "
                    f"{self._max_chunks}; delete documents that are no longer needed, or upload a shorter one"
                )
            version = _next_version(current.version)
            index = await asyncio.to_thread(SearchIndex.build, version, [*kept, *chunks])
            await scope.put(_index_key(version), await asyncio.to_thread(index.to_bytes), "application/zip")
            if await self._commit(tenant_id, current.version, version, record):
                self._remember(tenant_id, index)
                return
            await scope.delete(_index_key(version))  # another writer won: ours was never visible
        raise KnowledgeBusy("this knowledge base kept changing while we updated it; try again")

    async def _commit(
        self, tenant_id: str, expected: str | None, version: str, record: Callable[[Pipeline], object]
    ) -> bool:
        """Apply the metadata change and move to ``version``, unless the version moved from ``expected``."""
        key = _version_key(tenant_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.watch(key)
            if as_str(await pipe.get(key)) != expected:
                return False
            pipe.multi()  # type: ignore[no-untyped-call]
            record(pipe)
            pipe.set(key, version)
            try:
                await pipe.execute()
            except WatchError:
                return False
        return True

    async def _tidy(self, tenant_id: str, removed: str | None = None) -> None:
        """Delete index archives older than the current version (a worker about to load one finds the
        newer version instead, see ``_index``) and the original of a deleted document.

        The change is committed by now, so a failure here only leaves a stale blob taking space: it
        is logged rather than reported as a failed upload or deletion.
        """
        scope = self._scope(tenant_id)
        try:
            version = await self._version(tenant_id)
            current = _index_key(version) if version else None
            stale = [key for key in await scope.list_keys("kb/index/") if key != current]
            for key in [*stale, *([removed] if removed else [])]:
                await scope.delete(key)
        except Exception as error:  # any storage failure: the committed change stands either way
            log.warning("kb %s: could not delete stale blobs (%s); they only take space", tenant_id, error)

    async def _index(self, tenant_id: str, version: str | None) -> SearchIndex:
        """The index at ``version`` (or a newer one if that was replaced meanwhile), from memory
        when we have it, else from the blob store."""
        cached = self._cached(tenant_id, version)
        if cached is not None:
            return cached
        async with self._loading[tenant_id]:  # one load per tenant at a time; the others wait and reuse it
            for _ in range(_ATTEMPTS):
                cached = self._cached(tenant_id, version)
                if cached is not None:
                    return cached
                assert version is not None  # _cached answers for "no version" itself
                try:
                    data = await self._scope(tenant_id).get(_index_key(version))
                except BlobNotFound:
                    newer = await self._version(tenant_id)
                    if newer == version:
                        raise KnowledgeError(
                            f"the search index (version {version}) is missing from the blob store"
                        ) from None
                    version = newer  # it was replaced while we looked: load the new one
                    continue
                index = await asyncio.to_thread(SearchIndex.from_bytes, version, data)
                self._remember(tenant_id, index)
                log.info("kb %s: loaded index version %s (%d chunks)", tenant_id, version, len(index.chunks))
                return index
        raise KnowledgeBusy("this knowledge base kept changing while we loaded it; try again")

    def _cached(self, tenant_id: str, version: str | None) -> SearchIndex | None:
        """The index for ``version`` if this worker has it (no version: the empty index)."""
        if version is None:
            return _EMPTY
        index = self._indexes.get(tenant_id)
        if index is None or index.version != version:
            return None
        self._indexes.move_to_end(tenant_id)
        return index

    def _remember(self, tenant_id: str, index: SearchIndex) -> None:
        self._indexes[tenant_id] = index
        self._indexes.move_to_end(tenant_id)
        while len(self._indexes) > MAX_CACHED_INDEXES:
            self._indexes.popitem(last=False)
