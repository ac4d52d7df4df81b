"""The knowledge base as the server and the CLI build it: with the reading limits of the settings."""

from __future__ import annotations

from core.blobs import BlobStore
from core.redis import Redis
from core.settings import Settings
from kb import KnowledgeBase, ReadingLimits


def knowledge_base(settings: Settings, redis: Redis, blobs: BlobStore) -> KnowledgeBase:
    """A knowledge base whose uploads are read within the configured limits; ``close`` it when done."""
    reading = ReadingLimits(
        cpu_seconds=settings.kb_reading_cpu_seconds,
        memory_bytes=settings.kb_reading_memory_mb * 1_048_576,
        wall_seconds=settings.kb_reading_wall_seconds,
        workers=settings.kb_reading_workers,
        per_tenant=settings.kb_uploads_per_tenant,
    )
    return KnowledgeBase(redis, blobs, reading=reading)
