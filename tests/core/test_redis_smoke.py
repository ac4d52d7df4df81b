async def test_embedded_redis_round_trip(redis):
    await redis.set("k", "v")
    assert await redis.get("k") == "v"
