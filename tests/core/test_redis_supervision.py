"""The embedded Redis comes back by itself after it is killed, and loses no acknowledged write."""

from __future__ import annotations

from pathlib import Path

from core.redis import EmbeddedRedis, client_for
from tests.support.redis_kill import assert_nothing_acknowledged_was_lost, kill_during_writes


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
