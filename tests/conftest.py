"""Fixtures shared by every test package: a real (embedded) Redis, flushed between tests, whose
keys must all follow the layout in ``core.keys`` when a test passes; and the guards that make a
failing async test fail within its timeout instead of hanging."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest

from core.keys import outside_scheme
from core.redis import EmbeddedRedis, Redis, client_for
from testkit.bounded import bounded_task_cancellation, in_loop_timeout

pytest_plugins = ["pytester"]


ANY_REDIS_KEYS = "any_redis_keys"
_CALL_FAILED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{ANY_REDIS_KEYS}: the test writes keys of its own, outside the layout in core.keys"
    )
    bounded_task_cancellation()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_CALL_FAILED] = True  # its own failure says more than the keys it left
    return report


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
async def redis(redis_server: EmbeddedRedis, request: pytest.FixtureRequest) -> AsyncIterator[Redis]:
    """An async client on the shared server; the database is empty at the start of each test.

    After a test that passed, every key left in Redis (what the product wrote through the real
    features the test used) must be a tenant's ``t:{tenant_id}:...`` or one of the named global
    families of ``core.keys``: tenant data outside the scheme would survive an erase.
    """
    client = client_for(redis_server.url)
    await client.flushdb()
    yield client
    try:
        if not request.node.stash.get(_CALL_FAILED, False) and ANY_REDIS_KEYS not in request.keywords:
            stray = sorted([key async for key in client.scan_iter(count=1000) if outside_scheme(key)])
            assert not stray, f"keys outside the layout in core.keys: {stray[:20]}"
    finally:
        await client.flushdb()
        await client.aclose()
