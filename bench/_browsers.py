"""Browsers for the benchmarks, in their own processes: aiortc peers that call Hard-E's webrtc door.

A browser's Opus work (encoding the microphone, decoding the bot) is the browser's, not Hard-E's.
In the benchmark's own process it competed with Hard-E and the provider fakes for one event
loop and one core, and ten of them saturated it. Here each worker process hosts a few peers on
its own event loop; the benchmark drives them over a pipe and reads their CPU from /proc, so the
harness's cost is reported beside Hard-E's instead of hiding in its figures.

The peers decode the bot's audio as it arrives (no aiortc jitter buffer), so a turn's answer is
timed when its first loud packet reached the browser: before any playout delay of the browser's
own. They do not transcribe what they hear.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

REPLY_LIMIT_SECS = 60.0


@dataclass(frozen=True)
class Spoken:
    """One question and its answer, on ``time.monotonic()`` (one clock for every process here)."""

    spoken_until: float  # the browser's last loud microphone frame went out
    answered_at: float | None  # the first loud packet of the answer arrived


class BrowserHost:
    """One worker process and the peers it holds."""

    def __init__(self, context: multiprocessing.context.SpawnContext) -> None:
        ours, theirs = context.Pipe()
        self._pipe = ours
        self._process = context.Process(target=_worker_main, args=(theirs,), daemon=True)
        self._process.start()
        theirs.close()
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._loop = asyncio.get_running_loop()
        self._reader = threading.Thread(target=self._read, name="browser-host-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    async def request(self, *command: Any) -> Any:
        number = next(self._ids)
        reply: asyncio.Future[Any] = self._loop.create_future()
        self._pending[number] = reply
        self._pipe.send((number, *command))
        return await reply

    def _read(self) -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                number, ok, value = self._pipe.recv()
                self._loop.call_soon_threadsafe(self._settle, number, ok, value)
        with contextlib.suppress(RuntimeError):  # the loop may be closed already
            self._loop.call_soon_threadsafe(self._orphan)

    def _orphan(self) -> None:
        """The worker is gone: nothing it was asked will be answered."""
        for number in list(self._pending):
            self._settle(number, False, "the worker process exited")

    def _settle(self, number: int, ok: bool, value: Any) -> None:
        reply = self._pending.pop(number)
        if reply.done():
            return
        if ok:
            reply.set_result(value)
        else:
            reply.set_exception(RuntimeError(f"browser worker: {value}"))

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.request("stop"), 10)
        await asyncio.to_thread(self._process.join, 10)
        if self._process.is_alive():
            self._process.kill()
        self._pipe.close()


class RemoteBrowser:
    """One browser call held by a worker process."""

    def __init__(self, host: BrowserHost, peer: int, session_id: str) -> None:
        self.host = host
        self.peer = peer
        self.session_id = session_id

    async def greeting(self, quiet_secs: float) -> None:
        await self.host.request("reply", self.peer, 0.0, quiet_secs)

    async def ask(self, phrase: str, quiet_secs: float) -> Spoken:
        spoken_until, answered_at = await self.host.request("ask", self.peer, phrase, quiet_secs)
        return Spoken(spoken_until, answered_at)

    async def hang_up(self) -> None:
        await self.host.request("hang_up", self.peer)


class Browsers:
    """``processes`` worker processes; calls are spread over them in turn."""

    def __init__(self, processes: int) -> None:
        self._count = processes
        self.hosts: list[BrowserHost] = []
        self._next = itertools.cycle(range(processes))

    async def __aenter__(self) -> Browsers:
        context = multiprocessing.get_context("spawn")
        self.hosts = [BrowserHost(context) for _ in range(self._count)]
        await asyncio.gather(*(host.request("ping") for host in self.hosts))  # imports done
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await asyncio.gather(*(host.stop() for host in self.hosts))

    @property
    def pids(self) -> Sequence[int]:
        return [host.pid for host in self.hosts]

    async def call(self, base: str, token: str) -> RemoteBrowser:
        host = self.hosts[next(self._next)]
        peer, session_id = await host.request("call", base, token)
        return RemoteBrowser(host, peer, session_id)


# --- the worker process ------------------------------------------------------------------------


def _worker_main(pipe: Connection) -> None:
    from bench.__main__ import quiet_libraries

    quiet_libraries()
    asyncio.run(_serve(pipe))


async def _serve(pipe: Connection) -> None:
    import httpx

    from testkit.webrtc_caller import BrowserPeer, browser_call

    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[tuple[Any, ...] | None] = asyncio.Queue()

    def read() -> None:
        try:
            while True:
                loop.call_soon_threadsafe(inbox.put_nowait, pipe.recv())
        except (EOFError, OSError):
            loop.call_soon_threadsafe(inbox.put_nowait, None)

    threading.Thread(target=read, name="browser-worker-reader", daemon=True).start()
    peers: dict[int, tuple[BrowserPeer, contextlib.AsyncExitStack]] = {}
    ids = itertools.count(1)
    tasks: set[asyncio.Task[None]] = set()

    async with httpx.AsyncClient(timeout=30) as http:

        async def handle(number: int, command: str, *args: Any) -> None:
            try:
                result: Any = None
                if command == "call":
                    base, token = args
                    stack = contextlib.AsyncExitStack()
                    peer = await stack.enter_async_context(
                        browser_call(http, base, token, playout_buffer=False)
                    )
                    key = next(ids)
                    peers[key] = (peer, stack)
                    result = (key, peer.session_id)
                elif command == "reply":
                    key, after, quiet_secs = args
                    await _quiet_after_reply(peers[key][0], after, quiet_secs)
                elif command == "ask":
                    key, phrase, quiet_secs = args
                    peer = peers[key][0]
                    spoken_until = await peer.say(phrase)
                    await _quiet_after_reply(peer, spoken_until, quiet_secs)
                    result = (spoken_until, peer.heard.speech_after(spoken_until))
                elif command == "hang_up":
                    _peer, stack = peers.pop(args[0])
                    await stack.aclose()
                pipe.send((number, True, result))
            except Exception as error:
                pipe.send((number, False, f"{type(error).__name__}: {error}"))

        while (message := await inbox.get()) is not None:
            number, command, *args = message
            if command == "stop":
                break
            if command == "ping":
                pipe.send((number, True, None))
                continue
            task = asyncio.create_task(handle(number, command, *args))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        for _peer, stack in list(peers.values()):
            with contextlib.suppress(Exception):
                await stack.aclose()
        if message is not None:
            pipe.send((message[0], True, None))


async def _quiet_after_reply(peer: Any, after: float, quiet_secs: float) -> None:
    """Until the bot spoke after ``after`` and then fell quiet for ``quiet_secs``."""
    deadline = time.monotonic() + REPLY_LIMIT_SECS
    while time.monotonic() < deadline:
        began = peer.heard.speech_after(after)
        if began is not None and time.monotonic() - peer.heard.last_loud_at >= quiet_secs:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot did not answer within {REPLY_LIMIT_SECS:.0f} s")
