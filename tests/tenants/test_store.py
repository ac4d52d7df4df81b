import asyncio
import io
import logging
from datetime import date

import pytest

from core.keys import tenant_prefix
from core.logs import RedactingFilter, TextFormatter
from core.redis import client_for
from core.secretbox import SecretBox, new_key_spec, parse_keys
from tenants import (
    ModelSettings,
    NumberTaken,
    PinTaken,
    Role,
    Tenant,
    TenantExists,
    TenantNotFound,
    TenantStore,
    User,
    UserNotFound,
)

LEAP_TOKEN = "leap-live-token-7f3a9c2b1e"


@pytest.fixture
def store(redis):
    return TenantStore(redis, SecretBox(parse_keys([new_key_spec("k1")])))


async def make_tenant(store, tenant_id="acme", name="Acme Roofing"):
    return await store.create_tenant(Tenant(id=tenant_id, name=name))


async def all_keys_and_values(redis):
    found = {}
    async for key in redis.scan_iter(count=1000):
        kind = await redis.type(key)
        if kind == "string":
            found[key] = await redis.get(key)
        elif kind == "set":
            found[key] = " ".join(await redis.smembers(key))
        else:
            found[key] = kind
    return found


async def test_tenant_crud(store):
    await make_tenant(store)
    with pytest.raises(TenantExists):
        await make_tenant(store)
    updated = await store.update_tenant("acme", timezone="America/Denver", soul_document="Be blunt.")
    assert (await store.get_tenant("acme")).timezone == "America/Denver"
    assert updated.updated_at >= updated.created_at
    with pytest.raises(ValueError, match=r"timezone: .*unknown time zone"):
        await store.update_tenant("acme", timezone="Mars/Base")
    with pytest.raises(ValueError, match="cannot change id"):
        await store.update_tenant("acme", id="other")
    assert [t.id for t in await store.list_tenants()] == ["acme"]
    with pytest.raises(TenantNotFound):
        await store.get_tenant("nope")


async def test_user_crud_and_caller_lookup(store):
    await make_tenant(store)
    user = await store.add_user(
        User(tenant_id="acme", name="Mike Alvarez", phones=["(512) 555-0102"], role=Role.SALES_REP),
        pin="2468",
    )
    assert user.phones == ["+15125550102"]
    assert (await store.find_user_by_phone("acme", "512-555-0102")).id == user.id
    assert await store.find_user_by_phone("other", "512-555-0102") is None
    assert (await store.find_user_by_pin("acme", "2468")).id == user.id
    assert await store.find_user_by_pin("acme", "0000") is None
    assert "2468" not in (await store.get_user("acme", user.id)).model_dump_json()

    moved = await store.update_user("acme", user.id, phones=["+15125550999"], role=Role.MANAGER)
    assert moved.role is Role.MANAGER
    assert await store.find_user_by_phone("acme", "+15125550102") is None
    assert (await store.find_user_by_phone("acme", "+15125550999")).id == user.id

    with pytest.raises(NumberTaken):
        await store.add_user(User(tenant_id="acme", name="Copy", phones=["+15125550999"]))
    await store.remove_user("acme", user.id)
    assert await store.list_users("acme") == []
    assert await store.find_user_by_phone("acme", "+15125550999") is None
    with pytest.raises(UserNotFound):
        await store.get_user("acme", user.id)


async def test_erase_tenant_leaves_no_key_behind(store, redis):
    await make_tenant(store)
    await make_tenant(store, "other", "Other Co")
    await store.add_user(User(tenant_id="acme", name="A", phones=["+15125550111"]), pin="1234")
    await store.claim_number("acme", "+15125550000")
    await store.set_leap_token("acme", LEAP_TOKEN, verified_at=None)
    await redis.set(f"{tenant_prefix('acme')}memory:x", "anything under the prefix")

    await store.erase_tenant("acme")

    leftovers = {
        key: value for key, value in (await all_keys_and_values(redis)).items() if "acme" in key + value
    }
    assert leftovers == {}
    assert await store.tenant_for_number("+15125550000") is None
    assert [t.id for t in await store.list_tenants()] == ["other"]


async def test_a_number_belongs_to_one_tenant_even_under_concurrent_claims(store, redis_server):
    tenant_ids = [f"t{i}" for i in range(20)]
    for tenant_id in tenant_ids:
        await make_tenant(store, tenant_id, tenant_id)
    # Each claimant uses its own connection, as separate workers would.
    clients = [client_for(redis_server.url) for _ in tenant_ids]
    stores = [TenantStore(client, SecretBox(parse_keys([new_key_spec("k1")]))) for client in clients]
    results = await asyncio.gather(
        *(s.claim_number(t, "+1 512 555 0000") for s, t in zip(stores, tenant_ids, strict=True)),
        return_exceptions=True,
    )
    winners = [t for t, result in zip(tenant_ids, results, strict=True) if result == "+15125550000"]
    assert len(winners) == 1
    assert all(isinstance(r, NumberTaken) for r in results if r != "+15125550000")
    assert await store.tenant_for_number("5125550000") == winners[0]
    assert await store.list_numbers(winners[0]) == ["+15125550000"]
    for client in clients:
        await client.aclose()


async def test_leap_token_is_encrypted_at_rest_and_never_logged(store, redis):
    await make_tenant(store)
    await store.set_leap_token("acme", LEAP_TOKEN, verified_at=None)
    assert (await store.get_tenant("acme")).leap_token_set
    assert await store.get_leap_token("acme") == LEAP_TOKEN
    for key, value in (await all_keys_and_values(redis)).items():
        assert LEAP_TOKEN not in key and LEAP_TOKEN not in value

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(TextFormatter())
    logger = logging.getLogger("test.leak")
    logger.addHandler(handler)
    try:
        logger.warning("calling Leap with %s", LEAP_TOKEN)
        logger.warning("header Authorization: Bearer %s", "abcdefghijklmnop")
        try:
            raise RuntimeError(f"request failed for token {LEAP_TOKEN}")
        except RuntimeError:
            logger.exception("upstream error")
    finally:
        logger.removeHandler(handler)
    printed = stream.getvalue()
    assert LEAP_TOKEN not in printed and "abcdefghijklmnop" not in printed
    assert printed.count("[REDACTED]") == 3


async def test_copying_a_ciphertext_to_another_tenant_does_not_decrypt(store, redis):
    await make_tenant(store)
    await make_tenant(store, "thief", "Thief Co")
    await store.set_leap_token("acme", LEAP_TOKEN, verified_at=None)
    await redis.set("t:thief:secret:leap_token", await redis.get("t:acme:secret:leap_token"))
    with pytest.raises(Exception, match="failed authentication"):
        await store.get_leap_token("thief")


async def test_erase_tenant_removes_its_blobs_too(redis, tmp_path):
    from core.blobs import LocalBlobStore

    blobs = LocalBlobStore(tmp_path)
    store = TenantStore(redis, SecretBox(parse_keys([new_key_spec("k1")])), blobs=blobs)
    await make_tenant(store)
    await blobs.put("t/acme/kb/docs/a.md", b"acme's document")
    await blobs.put("t/acme/calls/s1/transcript.json", b"{}")
    await blobs.put("t/acme-west/kb/docs/b.md", b"a neighbour with a similar id")
    await store.erase_tenant("acme")
    assert await blobs.list_keys() == ["t/acme-west/kb/docs/b.md"]


async def test_tenants_naming_a_retired_model_are_moved_to_the_current_defaults(store):
    defaults = ModelSettings()
    await make_tenant(store, "old")
    await store.update_tenant(
        "old", models=ModelSettings(voice_model="claude-opus-9", text_model="claude-sonnet-4-5")
    )
    await make_tenant(store, "current")
    day_before, end_of_life = date(2026, 11, 29), date(2026, 11, 30)  # claude-sonnet-4-5, by the SDK

    assert await store.move_off_retired_models(day_before) == []
    [(tenant_id, before, after)] = await store.move_off_retired_models(end_of_life)

    assert tenant_id == "old" and before.text_model == "claude-sonnet-4-5"
    moved = (await store.get_tenant("old")).models
    assert moved == after == ModelSettings(voice_model="claude-opus-9", text_model=defaults.text_model)
    assert (await store.get_tenant("current")).models == defaults
    assert await store.move_off_retired_models(end_of_life) == []


async def test_pins_are_found_by_their_keyed_index_and_say_who_is_calling(store, redis):
    await make_tenant(store)
    users = [
        await store.add_user(User(tenant_id="acme", name=f"Crew {n}"), pin=f"{4000 + n}") for n in range(30)
    ]

    assert (await store.find_user_by_pin("acme", "4017")).id == users[17].id
    assert await store.find_user_by_pin("acme", "9999") is None
    with pytest.raises(PinTaken):  # a PIN names one person
        await store.add_user(User(tenant_id="acme", name="Copycat", phones=["+15125550142"]), pin="4003")
    assert await store.find_user_by_phone("acme", "+15125550142") is None  # nothing half-added
    with pytest.raises(PinTaken):
        await store.set_pin("acme", users[1].id, "4002")

    await store.set_pin("acme", users[2].id, "7777")  # the old PIN is free again, the new one works
    assert await store.find_user_by_pin("acme", "4002") is None
    assert (await store.find_user_by_pin("acme", "7777")).id == users[2].id
    await store.set_pin("acme", users[1].id, "4002")
    await store.remove_user("acme", users[1].id)
    assert await store.find_user_by_pin("acme", "4002") is None
    index = [key async for key in redis.scan_iter("t:acme:pin:*")]
    assert len(index) == 29 and not [key for key in index if "4017" in key]  # keyed: no PIN in a key


async def test_a_pin_set_before_the_index_is_still_found(store, redis):
    await make_tenant(store)
    user = await store.add_user(User(tenant_id="acme", name="Old Timer"), pin="2468")
    legacy = user.model_copy(update={"pin_index": None})  # as stored before PINs were indexed
    await redis.set(f"t:acme:user:{user.id}", legacy.model_dump_json())
    await redis.delete(*[key async for key in redis.scan_iter("t:acme:pin:*")])

    assert (await store.find_user_by_pin("acme", "2468")).id == user.id
    assert await store.find_user_by_pin("acme", "1357") is None
