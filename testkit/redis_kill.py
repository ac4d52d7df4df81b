"""Kill a Redis server in the middle of a stream of writes, and count what survived."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

from core.redis import Redis

WRITERS = 8


def server_pids(socket_path: Path) -> list[int]:
    """The redis-server processes serving ``socket_path``, found by their command line."""
    socket = str(socket_path.resolve())
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "redis-server" in cmdline and socket in cmdline:
            pids.append(int(proc.name))
    return pids


@dataclass
class Writes:
    """What the server acknowledged: each writer's SETs, and the INCRs of one shared counter."""

    keys: list[str] = field(default_factory=list)
    increments: int = 0
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    def acknowledged(self) -> int:
        return len(self.keys)


async def _write_until(redis: Redis, writes: Writes, writer: int, stop: asyncio.Event) -> None:
    n = 0
    try:
        while not stop.is_set():
            key = f"w:{writer}:{n}"
            await redis.set(key, n)
            writes.keys.append(key)
            await redis.incr("counter")
            writes.increments += 1
            writes.progress.set()
            n += 1
    finally:
        writes.progress.set()  # a failed writer wakes the waiter


async def _until(writes: Writes, count: int, writers: list[asyncio.Task[None]]) -> None:
    while writes.acknowledged() < count:
        for failed in (writer for writer in writers if writer.done()):
            failed.result()  # raises the write's error
        writes.progress.clear()
        await writes.progress.wait()


async def kill_during_writes(redis: Redis, kill: int, after: int = 200) -> Writes:
    """Stream writes from several clients, SIGKILL the server ``kill`` mid-stream, and go on until
    ``after`` more writes were acknowledged. A write that fails fails the test."""
    writes, stop = Writes(), asyncio.Event()
    writers = [asyncio.create_task(_write_until(redis, writes, n, stop)) for n in range(WRITERS)]
    try:
        await asyncio.wait_for(_until(writes, 200, writers), 30)
        os.kill(kill, signal.SIGKILL)
        killed_at = writes.acknowledged()
        await asyncio.wait_for(_until(writes, killed_at + after, writers), 60)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*writers, return_exceptions=True), 30)
    return writes


async def assert_nothing_acknowledged_was_lost(redis: Redis, writes: Writes) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        for key in writes.keys:
            pipe.exists(key)
        present = await pipe.execute()
    lost = [key for key, found in zip(writes.keys, present, strict=True) if not found]
    assert lost == [], f"{len(lost)} of {len(writes.keys)} acknowledged writes lost: {lost[:5]}"
    # A command cut off by the kill is sent again: it may count twice, never zero times.
    counter = int(await redis.get("counter") or 0)
    assert writes.increments <= counter <= writes.increments + WRITERS
