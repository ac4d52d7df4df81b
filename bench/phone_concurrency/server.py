"""Hard-E in its own processes, as deployed: start, wait until ready, stop; and what it recorded
about the calls (their wrap-up, its latency breakdown of each turn)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx

from bench.phone_concurrency.callers import CallResult
from bench.phone_concurrency.procfs import process_tree
from bench.phone_concurrency.world import TENANT_ID
from core.redis import Redis
from pipeline import CallSessions, TurnLatency
from telephony.calls import get_call
from testkit.servers import free_port

READY_TIMEOUT_SECS = 60.0
STOP_TIMEOUT_SECS = 15.0
WRAP_UP_LIMIT_SECS = 30.0  # for ended calls to finish their wrap-up (transcript, memory)


class HardEServer:
    """``python -m harde serve`` as a child process (with its workers, if any)."""

    def __init__(self, env: dict[str, str], port: int, workers: int, workdir: Path) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = workdir / "server.log"
        command = [sys.executable, "-m", "harde", "serve", "--port", str(port), "--workers", str(workers)]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                command, env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def processes(self) -> list[int]:
        return process_tree(self._process.pid)

    async def wait_until_ready(self, http: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"Hard-E exited with code {self._process.returncode} while starting; see {self.log_path}"
                )
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{self.base_url}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"Hard-E was not ready within {READY_TIMEOUT_SECS:.0f} s; see {self.log_path}")

    async def stop(self) -> None:
        """Ask uvicorn to shut down as Ctrl-C would, without blocking this loop: a call still
        wrapping up may be waiting on the fakes it serves."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(self._process.wait, STOP_TIMEOUT_SECS)

    def kill(self) -> None:
        """The last resort, for the whole tree; a no-op once the server has exited."""
        if self._process.poll() is None:
            for pid in self.processes():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self._process.wait()


@contextlib.asynccontextmanager
async def hard_e(
    env: dict[str, str], workers: int, workdir: Path, http: httpx.AsyncClient
) -> AsyncIterator[HardEServer]:
    port = free_port()
    server = HardEServer({**env, "HARDE_PUBLIC_URL": f"http://127.0.0.1:{port}"}, port, workers, workdir)
    try:
        await server.wait_until_ready(http)
        yield server
    finally:
        try:
            await server.stop()
        finally:
            server.kill()


async def server_turns(redis: Redis, results: Sequence[CallResult]) -> None:
    """Hard-E's own latency breakdown of every answered turn, from each call's session record."""
    sessions = CallSessions(redis)
    for result in results:
        session_id = (await get_call(redis, TENANT_ID, result.call_sid)).get("session_id")
        record = await sessions.get(TENANT_ID, session_id) if session_id else None
        if record is not None:
            turns = (TurnLatency.from_json(turn) for turn in record.latency)
            result.server_turns = [turn for turn in turns if turn.silent_at is not None]  # not greetings


async def wrapped_up(redis: Redis, call_sids: Sequence[str]) -> None:
    """Wait (boundedly) until Hard-E has finished every call in ``call_sids``: it marks a call's
    stream closed only after the call's wrap-up (transcript, usage, memory extraction)."""
    deadline = time.monotonic() + WRAP_UP_LIMIT_SECS
    pending = list(call_sids)
    while pending and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        pending = [
            sid for sid in pending if (await get_call(redis, TENANT_ID, sid)).get("stream") != "closed"
        ]
    if pending:
        print(f"  ({len(pending)} call(s) still wrapping up after {WRAP_UP_LIMIT_SECS:.0f} s)", flush=True)
