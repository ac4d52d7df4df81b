"""The tenant's audit stream, ``t:{tenant}:audit``: the one module that writes, reads and archives it.

Two kinds of entry share the stream so one trail tells the whole story: tool runs, written by the
brain on every channel (``AuditLog.tool_run``), and what happens around them (key changes, setting
changes, logins), written by the API (``AuditLog.record``). Tool arguments are recorded as a
digest, not as values: enough to tell two calls apart or match a call to a complaint, without
copying customer data or anything secret into the log.

Reading (``AuditTrail.page``) walks newest first through the stream and then through the JSONL
segments that ``AuditArchiver`` moved to the blob store, so an old entry stays findable after the
stream is trimmed. The cursor is the id of the last entry returned; ids are stream ids
(``<ms>-<seq>``), so they order entries in time wherever they live.

Archiving: a tenant's stream keeps its newest ``keep`` entries. Older ones are written, oldest
first, as a JSONL segment named by its first and last stream ids
(``t/{tenant}/audit/{first}_{last}.jsonl``), and only after the segment is stored are they trimmed
from the stream (``XTRIM MINID``, which removes exactly the entries older than the id after the
segment's last). A crash between the two steps leaves the entries in both places; the next run
writes the same segment again (same name, same lines) and trims. Two workers archiving at once are
kept apart by a lock, and would produce identical segments anyway. Every worker sweeps all tenants
every few minutes (``ArchiveSweeper``), because tool entries arrive from calls and conversations
too, not only through the API.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from redis.exceptions import LockNotOwnedError

from core.blobs import BlobStore
from core.keys import tenant_blob_prefix, tenant_key
from core.logs import redact
from core.periodic import Periodic
from core.redis import Redis
from tenants.store import TenantStore

log = logging.getLogger(__name__)

MAX_DETAIL_CHARS = 300
_BATCH = 200
MAX_SCAN = 20_000
"""Entries one page request may look at; a sparse filter then returns a cursor to continue from."""
DEFAULT_KEEP = 50_000
DEFAULT_SEGMENT = 5_000
SWEEP_INTERVAL_S = 300.0
_LOCK_TTL_S = 120.0


def audit_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "audit")


def args_digest(args: Mapping[str, Any]) -> str:
    canonical = json.dumps(args, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True, order=True)
class StreamId:
    ms: int
    seq: int

    @classmethod
    def parse(cls, value: str) -> StreamId:
        ms, _, seq = value.partition("-")
        return cls(int(ms), int(seq or 0))

    def __str__(self) -> str:
        return f"{self.ms}-{self.seq}"


def valid_cursor(value: str) -> bool:
    ms, dash, seq = value.partition("-")
    return bool(dash) and ms.isdigit() and seq.isdigit() and len(ms) <= 15 and len(seq) <= 20


class AuditEntry(BaseModel):
    id: str = Field(description="Stream id; also the cursor to continue after this entry.")
    at: datetime
    channel: str = Field(description="`phone`, `webrtc`, `text`, `api` for tool runs; `admin` for the rest.")
    actor: str = Field(description="`key:<id>`, `user:<id>`, `operator` or `caller:unknown`.")
    tool: str | None = Field(None, description="The tool that ran (tool entries).")
    event: str | None = Field(None, description="What changed, e.g. `api_key.created` (admin entries).")
    outcome: str
    detail: str = ""
    session: str | None = None
    args_digest: str | None = Field(None, description="Digest of the tool's arguments (never the values).")
    latency_ms: float | None = None


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    tool: str | None = None
    actor: str | None = None
    event: str | None = None
    """An admin event (``api_key.created``), or a family of them when it ends with ``.`` (``api_key.``)."""

    def accepts(self, fields: Mapping[str, str]) -> bool:
        return (
            (self.tool is None or fields.get("tool") == self.tool)
            and (self.actor is None or fields.get("actor") == self.actor)
            and (self.event is None or _event_matches(fields.get("event", ""), self.event))
        )


def _event_matches(event: str, wanted: str) -> bool:
    return event.startswith(wanted) if wanted.endswith(".") else event == wanted


def _epoch_ms(moment: datetime) -> int:
    """Stream ids count milliseconds since 1970; nothing is older, so earlier times mean 1970."""
    return max(0, int(moment.timestamp() * 1000))


def segment_name(first: StreamId, last: StreamId) -> str:
    return f"{first}_{last}.jsonl"


def _segment_bounds(name: str) -> tuple[StreamId, StreamId] | None:
    first, sep, last = name.removesuffix(".jsonl").partition("_")
    if not sep or not (valid_cursor(first) and valid_cursor(last)):
        return None
    return StreamId.parse(first), StreamId.parse(last)


def stream_entries(reply: Any) -> list[tuple[str, dict[str, str]]]:
    """XRANGE/XREVRANGE entries as text (our clients decode replies; redis-py types them loosely)."""
    return [
        (str(entry_id), {str(name): str(value) for name, value in (fields or {}).items()})
        for entry_id, fields in reply or ()
    ]


def archive_scope(blobs: BlobStore, tenant_id: str) -> BlobStore:
    return blobs.scoped(f"{tenant_blob_prefix(tenant_id)}audit/")


def _entry(entry_id: str, fields: Mapping[str, str]) -> AuditEntry:
    latency = fields.get("latency_ms")
    return AuditEntry(
        id=entry_id,
        at=datetime.fromtimestamp(float(fields.get("ts") or StreamId.parse(entry_id).ms / 1000), UTC),
        channel=fields.get("channel", ""),
        actor=fields.get("actor", ""),
        tool=fields.get("tool") or None,
        event=fields.get("event") or None,
        outcome=fields.get("outcome", ""),
        detail=fields.get("detail", ""),
        session=fields.get("session") or None,
        args_digest=fields.get("args_digest") or None,
        latency_ms=float(latency) if latency else None,
    )


class AuditLog:
    """Writes entries to a tenant's stream: tool runs (the brain) and admin events (the API)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def tool_run(
        self,
        tenant_id: str,
        *,
        channel: str,
        actor: str,
        session: str,
        tool: str,
        args: Mapping[str, Any],
        outcome: str,
        latency_ms: float,
        detail: str = "",
    ) -> None:
        """One tool execution, refusal or failure, on any channel."""
        entry = {
            "ts": f"{time.time():.3f}",
            "channel": channel,
            "actor": actor,
            "session": session,
            "tool": tool,
            "args_digest": args_digest(args),
            "outcome": outcome,
            "latency_ms": f"{latency_ms:.1f}",
            "detail": redact(detail)[:MAX_DETAIL_CHARS],
        }
        await self._redis.xadd(audit_key(tenant_id), entry)  # type: ignore[arg-type]

    async def record(self, tenant_id: str, *, actor: str, event: str, detail: str = "") -> None:
        """One admin event (a key created, a setting changed, a login) in the tenant's trail."""
        entry = {
            "ts": f"{time.time():.3f}",
            "channel": "admin",
            "actor": actor,
            "event": event,
            "outcome": "ok",
            "detail": redact(detail)[:MAX_DETAIL_CHARS],
        }
        await self._redis.xadd(audit_key(tenant_id), entry)  # type: ignore[arg-type]


class AuditTrail(AuditLog):
    """The stream as the API shows it: writes, and filtered pages newest first (stream, then archive)."""

    def __init__(self, redis: Redis, blobs: BlobStore) -> None:
        super().__init__(redis)
        self._blobs = blobs

    async def page(
        self, tenant_id: str, where: AuditFilter, *, cursor: str | None, limit: int
    ) -> tuple[list[AuditEntry], str | None]:
        """Up to ``limit`` matching entries, newest first, older than ``cursor``; and the next cursor."""
        upper = StreamId.parse(cursor) if cursor else None
        if where.until is not None:
            bound = StreamId(_epoch_ms(where.until), 2**64 - 1)
            upper = bound if upper is None else min(upper, bound)
            inclusive = cursor is None or bound < StreamId.parse(cursor)
        else:
            inclusive = False
        lower = StreamId(_epoch_ms(where.since), 0) if where.since else None
        found: list[AuditEntry] = []
        scanned = 0
        async for entry_id, fields in self._newest_first(tenant_id, upper, inclusive, lower):
            scanned += 1
            if where.accepts(fields):
                found.append(_entry(entry_id, fields))
                if len(found) == limit:
                    return found, entry_id
            if scanned >= MAX_SCAN:
                return found, entry_id
        return found, None

    async def _newest_first(
        self, tenant_id: str, upper: StreamId | None, inclusive: bool, lower: StreamId | None
    ) -> AsyncIterator[tuple[str, dict[str, str]]]:
        """Entries from ``upper`` (exclusive unless ``inclusive``) down to ``lower``: stream, then archive."""
        key = audit_key(tenant_id)
        high = "+" if upper is None else (str(upper) if inclusive else f"({upper}")
        low = "-" if lower is None else str(lower)
        oldest_seen: StreamId | None = None
        while True:
            batch = stream_entries(await self._redis.xrevrange(key, max=high, min=low, count=_BATCH))
            for entry_id, fields in batch:
                oldest_seen = StreamId.parse(entry_id)
                yield entry_id, fields
            if len(batch) < _BATCH:
                break
            high = f"({oldest_seen}"
        # Archived entries are all older than the stream's; continue below what the stream gave.
        if oldest_seen is not None:
            upper, inclusive = oldest_seen, False
        async for item in self._archived(tenant_id, upper, inclusive, lower):
            yield item

    async def _archived(
        self, tenant_id: str, upper: StreamId | None, inclusive: bool, lower: StreamId | None
    ) -> AsyncIterator[tuple[str, dict[str, str]]]:
        scope = archive_scope(self._blobs, tenant_id)
        segments = sorted(
            (bounds, name)
            for name in await scope.list_keys()
            if (bounds := _segment_bounds(name)) is not None
        )
        for (first, last), name in reversed(segments):
            if (upper is not None and first > upper) or (lower is not None and last < lower):
                continue
            lines = (await scope.get(name)).decode().splitlines()
            for line in reversed(lines):
                record: dict[str, Any] = json.loads(line)
                entry_id = str(record.pop("id"))
                at = StreamId.parse(entry_id)
                if upper is not None and (at > upper or (at == upper and not inclusive)):
                    continue
                if lower is not None and at < lower:
                    return
                yield entry_id, {name: str(value) for name, value in record.items()}


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
        self._loop = Periodic("audit archiving", self.sweep, interval_s)

    async def sweep(self) -> int:
        moved = 0
        for tenant in await self._tenants.list_tenants():
            moved += await self._archiver.archive(tenant.id)
        return moved

    def start(self) -> None:
        self._loop.start()

    async def aclose(self) -> None:
        await self._loop.aclose()
