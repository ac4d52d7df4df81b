"""The stores behind signing in, on real Redis: argon2id passwords, the platform-wide email index,
web sessions, and the tokens' place in the logs."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from redis import asyncio as aioredis

from core.keys import password_link
from core.logs import RedactingFilter, TextFormatter
from core.secretbox import SecretBox, new_key_spec, parse_keys
from tenants import EmailTaken, Tenant, TenantStore, User
from tenants.models import utcnow
from tenants.password_links import LinkNotFound, LinkUsed, PasswordLink, PasswordLinks, Purpose
from tenants.passwords import check_password, hash_password, verify_password
from tenants.web_sessions import WebSessions


@pytest.fixture
def store(redis):
    return TenantStore(redis, SecretBox(parse_keys([new_key_spec("k1")])))


async def test_a_password_is_stored_as_argon2id_and_checked(store):
    await store.create_tenant(Tenant(id="acme", name="Acme"))
    user = await store.add_user(User(tenant_id="acme", name="Dana", email="dana@acme.example"))

    updated = await store.set_password("acme", user.id, "three green ladders")

    assert updated.password_hash is not None and updated.password_hash.startswith("$argon2id$")
    assert "three green ladders" not in updated.model_dump_json()
    assert verify_password("three green ladders", updated.password_hash)
    assert not verify_password("three green ladder", updated.password_hash)
    assert not verify_password("three green ladders", None)  # no password yet: nothing matches
    assert not verify_password("anything at all", "not a hash")
    with pytest.raises(ValueError, match="at least 10 characters"):
        check_password("too short")
    with pytest.raises(ValueError, match="at most 256"):
        hash_password("x" * 257)


async def test_an_email_signs_in_one_person_across_tenants_and_moves_with_changes(store):
    await store.create_tenant(Tenant(id="acme", name="Acme"))
    await store.create_tenant(Tenant(id="bolt", name="Bolt"))
    dana = await store.add_user(User(tenant_id="acme", name="Dana", email="dana@acme.example"))

    with pytest.raises(EmailTaken):
        await store.add_user(User(tenant_id="bolt", name="Dana", email="DANA@acme.example"))
    assert [u.name for u in await store.list_users("bolt")] == []  # the refused user was not added
    assert (await store.find_user_by_email("Dana@Acme.example")).id == dana.id

    await store.update_user("acme", dana.id, email="dana@new.example")
    assert await store.find_user_by_email("dana@acme.example") is None
    assert (await store.find_user_by_email("dana@new.example")).id == dana.id
    bo = await store.add_user(User(tenant_id="bolt", name="Bo", email="dana@acme.example"))  # freed
    with pytest.raises(EmailTaken):
        await store.update_user("bolt", bo.id, email="dana@new.example")
    assert (await store.get_user("bolt", bo.id)).email == "dana@acme.example"

    await store.remove_user("acme", dana.id)
    assert await store.find_user_by_email("dana@new.example") is None
    assert await store.find_user_by_email("not an email") is None


async def test_a_users_sessions_end_with_a_new_password_and_a_tenants_with_its_erasure(store, redis):
    acme = await store.create_tenant(Tenant(id="acme", name="Acme"))
    dana = await store.add_user(User(tenant_id="acme", name="Dana", email="dana@acme.example"))
    sessions = WebSessions(redis)
    first, _ = await sessions.start_user(acme, dana)
    second, _ = await sessions.start_user(acme, dana)
    await PasswordLinks(redis).create(acme, dana, Purpose.WELCOME, created_by="test")

    await store.set_password("acme", dana.id, "three green ladders")
    assert await sessions.find(first) is None and await sessions.find(second) is None

    third, _ = await sessions.start_user(acme, dana)
    await store.erase_tenant("acme")
    assert await sessions.find(third) is None
    assert [key async for key in redis.scan_iter()] == []  # nothing of the person is left


async def test_a_session_is_refreshed_when_used_and_ends_at_its_absolute_limit(redis):
    acme = Tenant(id="acme", name="Acme", incarnation="i1")
    dana = User(tenant_id="acme", name="Dana")
    now = utcnow()
    clock = {"now": now}
    hours = timedelta(hours=1)
    sessions = WebSessions(redis, clock=lambda: clock["now"], idle=hours, absolute=3 * hours)
    token, session = await sessions.start_user(acme, dana)

    assert session.expires_at == now + timedelta(hours=3) and len(session.csrf_token) >= 32
    assert session.csrf_matches(session.csrf_token) and not session.csrf_matches(None)
    assert await sessions.find("hds_" + "A" * 43) is None and await sessions.find("garbage") is None
    clock["now"] = now + timedelta(hours=2, minutes=30)
    assert await sessions.find(token) == session
    [key] = [k async for k in redis.scan_iter("websession:*")]
    ttl = timedelta(milliseconds=await redis.pttl(key))
    assert timedelta(minutes=29) < ttl <= timedelta(minutes=30)  # capped by the absolute end, not 1 h
    clock["now"] = now + timedelta(hours=3)
    assert await sessions.find(token) is None
    assert [key async for key in redis.scan_iter("websession:*")] == []


def test_session_and_password_link_tokens_never_reach_a_log_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(TextFormatter())
    logger = logging.getLogger("test.sign-in-leak")
    logger.addHandler(handler)
    session, link = "hds_" + "s3cr3tSession" * 3, "hdp_" + "s3cr3tLink" * 4
    try:
        logger.warning("GET /app/set-password?token=%s cookie harde_session=%s", link, session)
    finally:
        logger.removeHandler(handler)
    printed = stream.getvalue()
    assert session not in printed and link not in printed and printed.count("[REDACTED]") == 2


class Interleaving(aioredis.Redis):
    """A real client that runs ``between`` (on another connection) right after the first command it
    sends once armed: a deterministic interleaving of two concurrent writers, on real Redis."""

    between: Callable[[], Awaitable[object]] | None = None

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        answer = await super().execute_command(*args, **options)
        if (between := self.between) is not None:
            self.between = None
            await between()
        return answer


@pytest.fixture
async def interleaving(redis_server) -> AsyncIterator[Interleaving]:
    client = Interleaving.from_url(redis_server.url, decode_responses=True)
    yield client
    await client.aclose()


async def test_a_password_link_is_spent_once_by_many_truly_concurrent_consumers(store, redis, redis_server):
    acme = await store.create_tenant(Tenant(id="acme", name="Acme"))
    dana = await store.add_user(User(tenant_id="acme", name="Dana", email="dana@acme.example"))
    token, _ = await PasswordLinks(redis).create(acme, dana, Purpose.WELCOME, created_by="test")
    clients = [aioredis.Redis.from_url(redis_server.url, decode_responses=True) for _ in range(24)]
    try:
        outcomes = await asyncio.gather(
            *(PasswordLinks(client).consume(token) for client in clients), return_exceptions=True
        )
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))

    spent = [outcome for outcome in outcomes if isinstance(outcome, PasswordLink)]
    assert len(spent) == 1, outcomes
    assert all(isinstance(outcome, LinkUsed) for outcome in outcomes if outcome not in spent), outcomes


async def test_a_link_voided_while_it_is_being_used_is_not_spent(store, redis, interleaving):
    acme = await store.create_tenant(Tenant(id="acme", name="Acme"))
    dana = await store.add_user(User(tenant_id="acme", name="Dana", email="dana@acme.example"))
    links = PasswordLinks(redis)
    old, _ = await links.create(acme, dana, Purpose.WELCOME, created_by="test")

    async def newer_link() -> None:  # an owner makes a new link just after the old one was read
        await links.create(acme, dana, Purpose.RESET, created_by="test")

    interleaving.between = newer_link
    with pytest.raises(LinkNotFound):
        await PasswordLinks(interleaving).consume(old)
    assert interleaving.between is None  # the other writer did run in between
    assert await redis.exists(password_link(hashlib.sha256(old.encode()).hexdigest())) == 0


async def test_a_session_started_while_everywhere_ends_them_is_never_left_unlisted(
    store, redis, interleaving
):
    acme = await store.create_tenant(Tenant(id="acme", name="Acme"))
    dana = await store.add_user(User(tenant_id="acme", name="Dana", email="dana@acme.example"))
    sessions = WebSessions(redis)
    old, session = await sessions.start_user(acme, dana)
    started: list[str] = []

    async def sign_in_in_another_tab() -> None:  # lands just after the first command of the ending
        started.append((await sessions.start_user(acme, dana))[0])

    interleaving.between = sign_in_in_another_tab
    await WebSessions(interleaving).end_everywhere(session)
    assert started and await sessions.find(old) is None

    await sessions.end_everywhere(session)  # the new session is either gone or still listed: now gone
    assert await sessions.find(started[0]) is None
