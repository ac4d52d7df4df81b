"""The embedded Redis comes back by itself after it is killed, and loses no acknowledged write."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from core.redis import EmbeddedRedis, EmbeddedRedisError, client_for
from testkit.redis_kill import assert_nothing_acknowledged_was_lost, kill_during_writes, server_pids


async def test_a_killed_embedded_redis_restarts_and_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    redis = client_for(server.url)
    try:
        first_pid = server.pid
        assert first_pid is not None
        assert await redis.config_get("appendfsync") == {"appendfsync": "always"}

        writes = await kill_during_writes(redis, first_pid)

        assert server.restarts == 1 and server.pid not in (None, first_pid)
        await assert_nothing_acknowledged_was_lost(redis, writes)
    finally:
        await redis.aclose()
        server.stop()
    assert server.pid is None and not server.is_serving()


async def test_a_second_process_waits_for_the_supervised_server_never_starts_its_own(tmp_path: Path) -> None:
    supervisor = EmbeddedRedis(tmp_path / "redis")
    supervisor.start()
    other = EmbeddedRedis(tmp_path / "redis")  # the CLI while the server runs, say
    try:
        stopped = supervisor.pid
        assert stopped is not None
        os.kill(stopped, signal.SIGSTOP)  # not answering, yet not dead: no restart will come
        try:
            with pytest.raises(EmbeddedRedisError, match="run by another process"):
                other.start()
            assert other.pid is None and server_pids(other.socket_path) == [stopped]
        finally:
            os.kill(stopped, signal.SIGCONT)

        os.kill(stopped, signal.SIGKILL)
        other.start()  # waits out the supervisor's restart, then attaches
        assert other.pid is None and server_pids(other.socket_path) == [supervisor.pid]
        redis = client_for(other.url)
        assert await redis.ping()
        await redis.aclose()
    finally:
        other.stop()
        supervisor.stop()
    assert server_pids(supervisor.socket_path) == []
