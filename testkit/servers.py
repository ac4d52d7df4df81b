"""Serve an ASGI app on a loopback port for tests that must cross a real socket.

Two flavours, because both situations occur:
- ``serve_in_thread``: the app runs on its own event loop in a thread, so sync tests,
  other processes and clients on separate loops can all reach it.
- ``serve``: the app runs as a task on the caller's loop, for apps that share async
  objects (Redis clients, queues) with the test itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import uvicorn

from testkit.bounded import settle


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Longer than httpx's 5 s pool expiry, as real services' load balancers keep idle connections
# (60-75 s is usual). uvicorn's default of 5 s equals httpx's, so a connection reused at ~5 s
# was sometimes closed under the client's request, and the SDK retried it (~1 s of dead air).
KEEP_ALIVE_SECS = 75
SHUTDOWN_SECS = 10.0
"""How long a served app gets to finish its open requests and calls once the test is done with it."""


def _server(app: Any, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws="websockets-sansio",
        timeout_keep_alive=KEEP_ALIVE_SECS,
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[attr-defined]
    return server


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Run ``app`` in a background thread; yield its base URL (``http://127.0.0.1:PORT``)."""
    port = free_port()
    server = _server(app, port)
    thread = threading.Thread(target=server.run, name=f"uvicorn:{port}", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("test server failed to start")
        threading.Event().wait(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.asynccontextmanager
async def serve(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Run ``app`` on the current event loop (on ``port``, or a free one); yield its base URL."""
    port = port or free_port()
    server = _server(app, port)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("test server failed to start")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        done, _pending = await asyncio.wait([task], timeout=SHUTDOWN_SECS)
        if done:
            task.result()
        else:  # a connection that will not close: cut it, and say so rather than hang
            await settle(task)


def harde_serve(var_dir: Path, port: int, *options: str, **env: str) -> subprocess.Popen[bytes]:
    """``harde serve`` in its own process, as a user starts it: its embedded default under
    ``var_dir`` (no REDIS_URL or public URL from the caller's environment), with ``env`` added.
    Its log goes to ``serve_log(var_dir)``, so a server that logs a lot never blocks on a pipe."""
    environment = {**os.environ, "HARDE_VAR_DIR": str(var_dir), "HARDE_LOG_FORMAT": "text", **env}
    for name in ("REDIS_URL", "HARDE_PUBLIC_URL"):
        if name not in env:
            environment.pop(name, None)
    command = [sys.executable, "-m", "harde", "serve", "--port", str(port), *options]
    with _log_path(var_dir).open("ab") as log:
        return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=log)


def serve_log(var_dir: Path) -> str:
    """What a ``harde_serve`` process wrote to stderr, for a failure message."""
    path = _log_path(var_dir)
    return path.read_text(errors="replace") if path.exists() else ""


def _log_path(var_dir: Path) -> Path:
    var_dir.mkdir(parents=True, exist_ok=True)
    return var_dir.parent / f"{var_dir.name}-serve.log"
