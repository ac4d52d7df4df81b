import pytest

pytestmark = pytest.mark.any_redis_keys  # a bare round trip


async def test_embedded_redis_round_trip(redis):
    await redis.set("k", "v")
    assert await redis.get("k") == "v"
