"""A knowledge base on the real embedded Redis and a real local blob store; a second "worker" shares both.

Both allow more concurrent uploads per tenant than the default, so that tests of concurrent writers
really overlap; the per-tenant cap has tests of its own.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.blobs import LocalBlobStore
from core.redis import EmbeddedRedis, Redis, client_for
from kb import KnowledgeBase, ReadingLimits

READING = ReadingLimits(workers=8, per_tenant=8)


@pytest.fixture
def blob_root(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
def blobs(blob_root: Path) -> LocalBlobStore:
    return LocalBlobStore(blob_root)


@pytest.fixture
def kb(redis: Redis, blobs: LocalBlobStore) -> KnowledgeBase:
    return KnowledgeBase(redis, blobs, reading=READING)


@pytest.fixture
async def other_worker(
    redis: Redis, redis_server: EmbeddedRedis, blob_root: Path
) -> AsyncIterator[KnowledgeBase]:
    """Another process's view: its own Redis connection, its own blob store object, its own cache."""
    client = client_for(redis_server.url)
    yield KnowledgeBase(client, LocalBlobStore(blob_root), reading=READING)
    await client.aclose()
