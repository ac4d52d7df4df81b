"""A real ``harde serve`` process for the benchmarks that measure the server from outside."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from core.secretbox import new_key_spec


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(var_dir: Path, port: int, operator_hash: str, **env: str) -> subprocess.Popen[bytes]:
    """``harde serve`` on its embedded default in ``var_dir``, rate limits out of the way; ``env``
    adds or overrides variables (an Anthropic key and URL, say). No Anthropic key unless given."""
    environment = {
        **os.environ,
        "HARDE_VAR_DIR": str(var_dir),
        "HARDE_SECRET_KEYS": new_key_spec("bench"),
        "HARDE_OPERATOR_TOKEN_HASH": operator_hash,
        "HARDE_API_KEY_RATE_PER_MINUTE": "100000",
        "HARDE_API_TENANT_RATE_PER_MINUTE": "100000",
        "HARDE_WEB_SESSION_RATE_PER_MINUTE": "100000",
        "HARDE_WEB_TENANT_RATE_PER_MINUTE": "100000",
        "HARDE_LOG_LEVEL": "WARNING",
        "HARDE_LOG_FORMAT": "text",
    }
    for name in ("REDIS_URL", "ANTHROPIC_API_KEY", "HARDE_S3_BUCKET"):
        environment.pop(name, None)
    environment.update(env)
    command = [sys.executable, "-m", "harde", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)  # noqa: S603 - our own CLI


def wait_until_ready(base_url: str, server: subprocess.Popen[bytes], timeout: float) -> None:
    """Block until ``/readyz`` answers 200; fail if the server exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"harde serve exited with code {server.returncode}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"harde serve did not become ready within {timeout:.0f} s")
