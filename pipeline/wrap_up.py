"""After a call, once, whatever ended it: transcript and tool log to the blob store, voice seconds
to usage, the session record closed, then the memory-extraction hook (the slowest step, last).
Each step runs even when an earlier one failed, so one broken dependency loses only its own part.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from brain import CallContext
from core.blobs import BlobStore
from memory import Line
from pipeline.record import CallRecord
from pipeline.sessions import CallSessions, transcript_blob_key
from tenants import UsageMeter

log = logging.getLogger(__name__)

MemoryHook = Callable[[CallContext, Sequence[Line]], Awaitable[None]]


async def wrap_up(
    record: CallRecord,
    *,
    blobs: BlobStore,
    usage: UsageMeter,
    sessions: CallSessions,
    extract_memories: MemoryHook | None,
) -> None:
    """``record`` must be finished: ``ended_at`` and ``end_reason`` set."""
    ctx = record.ctx
    if record.ended_at is None or record.end_reason is None:
        raise ValueError("wrap_up needs a finished call record (ended_at and end_reason)")
    ended_at, reason = record.ended_at, record.end_reason
    log.info(
        "call %s ended (%s) after %.1fs, %d lines, %d tool calls",
        ctx.session_id, reason.value, record.duration_secs, len(record.lines), len(record.tools),
    )  # fmt: skip

    async def store_transcript() -> None:
        key = transcript_blob_key(ctx.tenant_id, ctx.session_id)
        await blobs.put(key, record.as_json(), "application/json")

    async def count_usage() -> None:
        await usage.add_voice_seconds(ctx.tenant_id, record.duration_secs)

    async def close_session() -> None:
        turns = sum(1 for line in record.lines if line.role == "caller" and line.text.strip())
        await sessions.close(
            ctx, ended_at=ended_at, reason=reason, duration_secs=record.duration_secs, turns=turns
        )

    async def learn() -> None:
        if extract_memories is not None:
            await extract_memories(ctx, record.memory_lines())

    steps = [
        ("store the transcript", store_transcript),
        ("count the voice seconds", count_usage),
        ("close the session", close_session),
        ("extract memories", learn),
    ]
    for what, step in steps:
        try:
            await step()
        except Exception:
            log.exception("call %s: could not %s", ctx.session_id, what)
