"""Fixtures shared by every test package: a real (embedded) Redis, flushed between tests; and the
guards that make a failing async test fail within its timeout instead of hanging."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.redis import EmbeddedRedis, Redis, client_for
from testkit.bounded import bounded_task_cancellation, in_loop_timeout

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    bounded_task_cancellation()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function):
            in_loop_timeout(item)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One real redis-server for the whole run (the same binary the product embeds)."""
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis(redis_server: EmbeddedRedis) -> AsyncIterator[Redis]:
    """An async client on the shared server; the database is empty at the start of each test."""
    client = client_for(redis_server.url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()
