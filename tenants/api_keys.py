"""Tenant API keys: ``hde_<random>``, shown once, stored only as a SHA-256 hash.

A key is 256 random bits, so a fast hash is enough: nobody can guess their way back from it
(unlike a PIN or a password, which need a slow one). Two records per key:

- ``apikey:{sha256}``: the key's record, found from the presented key in one ``GET`` before the
  tenant is known (so it cannot live under the tenant's prefix). It exists exactly while the key
  is active: revoking deletes it, and so does erasing the tenant through the API.
- ``t:{tenant}:apikey:{id}``: the same record for listing, kept after revocation with
  ``revoked_at`` set, plus ``t:{tenant}:apikey:{id}:used`` with the last-used time, to the minute
  (a separate key, so a request touching it can never race a revocation rewriting the record).

A key also carries its tenant's incarnation, and authentication compares it with the tenant's: a
key whose index entry outlived its tenant (an erase that raced the key's creation, or one that
skipped ``forget_tenant``) is refused, and never works for a later tenant created under the same id.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from core.keys import api_key_index, tenant_key
from core.redis import Redis, as_str, as_strs
from tenants.models import Scope, Tenant, utcnow

KEY_PREFIX = "hde_"
TOUCH_INTERVAL_S = 60.0
_MAX_TOUCHED = 10_000
_SHOWN_CHARS = len(KEY_PREFIX) + 8


class KeyNotFound(LookupError):
    """No key with that id in this tenant."""


class ApiKey(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    tenant_id: str
    tenant_incarnation: str = ""  # "" for keys (and tenants) made before incarnations existed
    name: str
    prefix: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _index_key(digest: str) -> str:
    return api_key_index(digest)


def _record_key(tenant_id: str, key_id: str) -> str:
    return tenant_key(tenant_id, "apikey", key_id)


def _used_key(tenant_id: str, key_id: str) -> str:
    return tenant_key(tenant_id, "apikey", key_id, "used")


def _ids_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "apikeys")


def _digest_key(tenant_id: str, key_id: str) -> str:
    return tenant_key(tenant_id, "apikey", key_id, "digest")


class ApiKeyStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._touched: dict[str, float] = {}

    async def create(
        self,
        tenant: Tenant,
        *,
        name: str,
        scopes: set[Scope],
        created_by: str,
        expires_at: datetime | None = None,
    ) -> tuple[ApiKey, str]:
        """A new active key and its secret (the only time the secret exists outside the caller)."""
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        tenant_id = tenant.id
        record = ApiKey(
            id=f"k_{secrets.token_hex(6)}",
            tenant_id=tenant_id,
            tenant_incarnation=tenant.incarnation,
            name=name,
            prefix=secret[:_SHOWN_CHARS],
            scopes=tuple(sorted(scopes)),
            created_at=utcnow(),
            created_by=created_by,
            expires_at=expires_at,
        )
        digest = key_digest(secret)
        raw = record.model_dump_json()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(_index_key(digest), raw)
            pipe.set(_record_key(tenant_id, record.id), raw)
            pipe.set(_digest_key(tenant_id, record.id), digest)
            pipe.sadd(_ids_key(tenant_id), record.id)
            await pipe.execute()
        return record, secret

    async def find_active(self, secret: str) -> ApiKey | None:
        """The active (not revoked) key for a presented secret; expiry is the caller's to judge."""
        raw = await self._redis.get(_index_key(key_digest(secret)))
        return ApiKey.model_validate_json(raw) if raw is not None else None

    async def touch(self, key: ApiKey) -> None:
        """Record that the key was used: at most once a minute per key and worker, because writing on
        every request would add a Redis round trip to every request for a time nobody needs finer."""
        now = time.monotonic()
        if now - self._touched.get(key.id, -TOUCH_INTERVAL_S) < TOUCH_INTERVAL_S:
            return
        if len(self._touched) >= _MAX_TOUCHED:
            self._touched.clear()
        self._touched[key.id] = now
        await self._redis.set(_used_key(key.tenant_id, key.id), utcnow().isoformat())

    async def get(self, tenant_id: str, key_id: str) -> tuple[ApiKey, datetime | None]:
        """The key's record and when it was last used."""
        raw, used = await self._redis.mget([_record_key(tenant_id, key_id), _used_key(tenant_id, key_id)])
        if raw is None:
            raise KeyNotFound(
                f"there is no API key {key_id!r} in this tenant; list the keys to see their ids"
            )
        return ApiKey.model_validate_json(raw), _parse_time(as_str(used))

    async def list_keys(self, tenant_id: str) -> list[tuple[ApiKey, datetime | None]]:
        """Every key of the tenant, revoked ones included, newest first, with its last use."""
        ids = as_strs(await self._redis.smembers(_ids_key(tenant_id)))
        if not ids:
            return []
        raws = await self._redis.mget([_record_key(tenant_id, key_id) for key_id in ids])
        useds = await self._redis.mget([_used_key(tenant_id, key_id) for key_id in ids])
        found = [
            (ApiKey.model_validate_json(raw), _parse_time(as_str(used)))
            for raw, used in zip(raws, useds, strict=True)
            if raw is not None
        ]
        return sorted(found, key=lambda pair: pair[0].created_at, reverse=True)

    async def revoke(self, tenant_id: str, key_id: str) -> ApiKey:
        """Stop the key working at once; its record stays listed as revoked. Revoking twice is harmless."""
        key, _ = await self.get(tenant_id, key_id)
        if key.revoked_at is not None:
            return key
        revoked = key.model_copy(update={"revoked_at": utcnow()})
        digest = as_str(await self._redis.get(_digest_key(tenant_id, key_id)))
        async with self._redis.pipeline(transaction=True) as pipe:
            if digest is not None:
                pipe.delete(_index_key(digest))
            pipe.set(_record_key(tenant_id, key_id), revoked.model_dump_json())
            await pipe.execute()
        return revoked

    async def forget_tenant(self, tenant_id: str) -> int:
        """Drop every key's global index entry (before the tenant is erased); returns how many."""
        ids = as_strs(await self._redis.smembers(_ids_key(tenant_id)))
        if not ids:
            return 0
        digests = [
            digest
            for digest in await self._redis.mget([_digest_key(tenant_id, key_id) for key_id in ids])
            if digest is not None
        ]
        if not digests:
            return 0
        return int(await self._redis.delete(*(_index_key(str(digest)) for digest in digests)))


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
