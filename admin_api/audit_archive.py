"""Moving old audit entries out of Redis into the blob store, without losing one.

A tenant's stream keeps its newest ``keep`` entries. Older ones are written, oldest first, as a
JSONL segment named by its first and last stream ids (``t/{tenant}/audit/{first}_{last}.jsonl``),
and only after the segment is stored are they trimmed from the stream (``XTRIM MINID``, which
removes exactly the entries older than the id after the segment's last). A crash between the two
steps leaves the entries in both places; the next run writes the same segment again (same name,
same lines) and trims. Two workers archiving at once are kept apart by a lock, and would produce
identical segments anyway. ``audit_log`` reads segments after the stream, so paging goes on
seamlessly into the archive.

Every worker sweeps all tenants every few minutes (``ArchiveSweeper``), because tool entries
arrive from calls and conversations too, not only through the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from redis.exceptions import LockNotOwnedError

from admin_api.audit_log import StreamId, archive_scope, segment_name, stream_entries
from brain.audit import audit_key
from core.blobs import BlobStore
from core.keys import tenant_key
from core.redis import Redis
from tenants import TenantStore

log = logging.getLogger(__name__)

DEFAULT_KEEP = 50_000
DEFAULT_SEGMENT = 5_000
SWEEP_INTERVAL_S = 300.0
_LOCK_TTL_S = 120.0


class AuditArchiver:
    def __init__(
        self, redis: Redis, blobs: BlobStore, *, keep: int = DEFAULT_KEEP, segment: int = DEFAULT_SEGMENT
    ) -> None:
        if keep < 0 or segment < 1:
            raise ValueError("keep must be >= 0 and segment >= 1")
        self._redis = redis
        self._blobs = blobs
        self.keep = keep
        self.segment = segment

    async def archive(self, tenant_id: str) -> int:
        """Archive what exceeds ``keep``; returns how many entries moved (0 while another worker is at it)."""
        lock = self._redis.lock(
            tenant_key(tenant_id, "audit", "archiving"),
            timeout=_LOCK_TTL_S,
            blocking=False,
            thread_local=False,
        )
        if not await lock.acquire():
            return 0
        try:
            return await self._archive_locked(tenant_id)
        finally:
            with contextlib.suppress(LockNotOwnedError):
                await lock.release()

    async def _archive_locked(self, tenant_id: str) -> int:
        key = audit_key(tenant_id)
        scope = archive_scope(self._blobs, tenant_id)
        moved = 0
        while (excess := int(await self._redis.xlen(key)) - self.keep) > 0:
            batch = stream_entries(
                await self._redis.xrange(key, min="-", max="+", count=min(excess, self.segment))
            )
            if not batch:
                break
            lines = [json.dumps({"id": entry_id, **fields}, ensure_ascii=False) for entry_id, fields in batch]
            first, last = StreamId.parse(batch[0][0]), StreamId.parse(batch[-1][0])
            await scope.put(
                segment_name(first, last), ("\n".join(lines) + "\n").encode(), "application/jsonl"
            )
            await self._redis.xtrim(key, minid=str(StreamId(last.ms, last.seq + 1)), approximate=False)
            moved += len(batch)
        if moved:
            log.info("audit of %s: archived %d entries to the blob store", tenant_id, moved)
        return moved


class ArchiveSweeper:
    """Runs ``archive`` for every tenant now and then, for as long as the app runs."""

    def __init__(self, archiver: AuditArchiver, tenants: TenantStore, interval_s: float = SWEEP_INTERVAL_S):
        self._archiver = archiver
        self._tenants = tenants
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> int:
        moved = 0
        for tenant in await self._tenants.list_tenants():
            moved += await self._archiver.archive(tenant.id)
        return moved

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.sweep()
            except Exception:
                log.exception("audit archiving failed; will try again in %.0f s", self._interval_s)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-archive-sweeper")

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
