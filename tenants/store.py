"""Tenants, users, phone numbers and tenant secrets in Redis.

Every key of a tenant lives under ``t:{tenant_id}:`` so a tenant can be exported or erased as a
unit (the layout is ``core.keys``). Two kinds of key of this store live outside it, because they
must be found before the tenant is known: the tenant index (``tenants``), inbound number routes
(``route:number:{e164}``) and the email index (``email:{sha256}`` -> ``{tenant_id}/{user_id}``: an
email signs in one person on the whole platform), all removed by ``erase_tenant``. Removing a user
or erasing the tenant also ends the people's web sessions and voids their password links
(``person_keys``), so nobody stays signed in to something that is gone.

Claims that must be unique (a number to one tenant, a caller phone to one user) go through one
Lua script, so two concurrent claims can never both succeed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from core.blobs import BlobStore
from core.keys import (
    email_index,
    number_route,
    tenant_blob_prefix,
    tenant_index,
    tenant_key,
    tenant_prefix,
)
from core.logs import register_secret
from core.redis import Redis, as_str, as_strs
from core.secretbox import SecretBox
from core.validation import readable_errors
from tenants.models import ModelSettings, Tenant, User, check_email, utcnow
from tenants.passwords import hash_password
from tenants.person_keys import end_user_sessions, forget_person
from tenants.phones import normalize_phone
from tenants.pins import check_pin_format, hash_pin, verify_pin

log = logging.getLogger(__name__)

_SCAN_BATCH = 500

# Set every KEYS[i] to ARGV[1] unless one of them already holds another value.
# Returns the first conflicting key, or nil when all were claimed.
_CLAIM_ALL = """
for i, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  if owner and owner ~= ARGV[1] then return key end
end
for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1]) end
return nil
"""

# Delete KEYS[i] only where it still holds ARGV[1].
_RELEASE_ALL = """
local n = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then n = n + redis.call('DEL', key) end
end
return n
"""


class TenantError(Exception):
    """Base class; the message is fit to show an operator."""


class TenantNotFound(TenantError):
    pass


class TenantExists(TenantError):
    pass


class UserNotFound(TenantError):
    pass


class NumberTaken(TenantError):
    pass


class EmailTaken(TenantError):
    """Another person (of any tenant) signs in with this email."""


def _tenant_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "tenant")


def _user_key(tenant_id: str, user_id: str) -> str:
    return tenant_key(tenant_id, "user", user_id)


def _users_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "users")


def _caller_key(tenant_id: str, phone: str) -> str:
    return tenant_key(tenant_id, "caller", phone)


def _numbers_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "numbers")


def _route_key(phone: str) -> str:
    return number_route(phone)


def _leap_token_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "secret", "leap_token")


def _leap_token_context(tenant_id: str) -> str:
    return f"tenant:{tenant_id}:leap_token"


def _email_key(email: str) -> str:
    return email_index(hashlib.sha256(email.lower().encode()).hexdigest())


def _email_owner(user: User) -> str:
    return f"{user.tenant_id}/{user.id}"


def _pin_key(tenant_id: str, index: str) -> str:
    return tenant_key(tenant_id, "pin", index)


def _first_with_pin(users: list[User], pin: str) -> User | None:
    return next((user for user in users if user.pin_hash and verify_pin(pin, user.pin_hash)), None)


class PinTaken(TenantError):
    """Another user of the tenant has this PIN."""


class TenantStore:
    def __init__(self, redis: Redis, box: SecretBox, *, blobs: BlobStore | None = None) -> None:
        """``blobs``: where the tenant's documents and transcripts live, so erasing removes them too."""
        self._redis = redis
        self._box = box
        self._blobs = blobs
        self._claim_all = redis.register_script(_CLAIM_ALL)
        self._release_all = redis.register_script(_RELEASE_ALL)

    # --- tenants -------------------------------------------------------------------------------

    async def create_tenant(self, tenant: Tenant) -> Tenant:
        """Store a new tenant under a fresh incarnation (whatever ``tenant`` carried), so credentials
        of an erased tenant of the same id never match this one."""
        tenant = tenant.model_copy(update={"incarnation": secrets.token_hex(8)})
        created = await self._redis.set(_tenant_key(tenant.id), tenant.model_dump_json(), nx=True)
        if not created:
            raise TenantExists(f"a tenant with id {tenant.id!r} already exists")
        await self._redis.sadd(tenant_index(), tenant.id)
        log.info("tenant %s created (%s)", tenant.id, tenant.name)
        return tenant

    async def get_tenant(self, tenant_id: str) -> Tenant:
        raw = await self._redis.get(_tenant_key(tenant_id))
        if raw is None:
            raise TenantNotFound(f"no tenant {tenant_id!r}")
        return Tenant.model_validate_json(raw)

    async def list_tenants(self) -> list[Tenant]:
        ids = as_strs(await self._redis.smembers(tenant_index()))
        if not ids:
            return []
        raws = await self._redis.mget([_tenant_key(tenant_id) for tenant_id in ids])
        return [Tenant.model_validate_json(raw) for raw in raws if raw is not None]

    async def update_tenant(self, tenant_id: str, **changes: Any) -> Tenant:
        """Apply validated changes; unknown or invalid fields raise ValueError naming the field."""
        current = await self.get_tenant(tenant_id)
        protected = {"id", "created_at", "incarnation", "leap_token_set", "leap_verified_at"} & changes.keys()
        if protected:
            raise ValueError(f"cannot change {', '.join(sorted(protected))} directly")
        try:
            updated = Tenant.model_validate({**current.model_dump(), **changes, "updated_at": utcnow()})
        except ValidationError as error:
            raise ValueError(readable_errors(error)) from None
        await self._redis.set(_tenant_key(tenant_id), updated.model_dump_json(), xx=True)
        return updated

    async def move_off_retired_models(self, today: date) -> list[tuple[str, ModelSettings, ModelSettings]]:
        """Point every tenant still naming a model Anthropic has retired at the current default, so
        their calls and conversations do not fail; returns (tenant, before, after) for each change."""
        moved = []
        for tenant in await self.list_tenants():
            current = tenant.models.without_retired(today)
            if current != tenant.models:
                await self.update_tenant(tenant.id, models=current)
                moved.append((tenant.id, tenant.models, current))
        return moved

    async def erase_tenant(self, tenant_id: str) -> int:
        """Delete the tenant's keys, blobs, number routes and index entry; returns the keys deleted."""
        await self.get_tenant(tenant_id)
        numbers = as_strs(await self._redis.smembers(_numbers_key(tenant_id)))
        deleted = int(await self._release_all(keys=[_route_key(n) for n in numbers], args=[tenant_id]))
        deleted += await self._redis.delete(_tenant_key(tenant_id))  # stop lookups first
        await self._redis.srem(tenant_index(), tenant_id)
        for user in await self.list_users(tenant_id):
            await self._forget_user(user)
        batch: list[str] = []
        async for key in self._redis.scan_iter(match=f"{tenant_prefix(tenant_id)}*", count=_SCAN_BATCH):
            batch.append(key)
            if len(batch) >= _SCAN_BATCH:
                deleted += await self._redis.unlink(*batch)
                batch.clear()
        if batch:
            deleted += await self._redis.unlink(*batch)
        if self._blobs is not None:
            tenant_blobs = self._blobs.scoped(tenant_blob_prefix(tenant_id))
            for key in await tenant_blobs.list_keys():
                await tenant_blobs.delete(key)
        log.info("tenant %s erased (%d keys)", tenant_id, deleted)
        return deleted

    # --- the Leap token ------------------------------------------------------------------------

    async def set_leap_token(self, tenant_id: str, token: str, verified_at: datetime | None) -> Tenant:
        register_secret(token)
        sealed = self._box.encrypt(token, context=_leap_token_context(tenant_id))
        await self.get_tenant(tenant_id)
        await self._redis.set(_leap_token_key(tenant_id), sealed)
        return await self._set_leap_state(tenant_id, True, verified_at)

    async def clear_leap_token(self, tenant_id: str) -> Tenant:
        await self._redis.delete(_leap_token_key(tenant_id))
        return await self._set_leap_state(tenant_id, False, None)

    async def _set_leap_state(self, tenant_id: str, is_set: bool, verified_at: datetime | None) -> Tenant:
        tenant = await self.get_tenant(tenant_id)
        updated = tenant.model_copy(
            update={"leap_token_set": is_set, "leap_verified_at": verified_at, "updated_at": utcnow()}
        )
        await self._redis.set(_tenant_key(tenant_id), updated.model_dump_json(), xx=True)
        return updated

    async def get_leap_token(self, tenant_id: str) -> str | None:
        sealed = as_str(await self._redis.get(_leap_token_key(tenant_id)))
        if sealed is None:
            return None
        context = _leap_token_context(tenant_id)
        token = self._box.decrypt(sealed, context=context)
        register_secret(token)
        if self._box.needs_rotation(sealed):
            await self._redis.set(_leap_token_key(tenant_id), self._box.encrypt(token, context=context))
        return token

    # --- users ---------------------------------------------------------------------------------

    async def add_user(self, user: User, pin: str | None = None) -> User:
        await self.get_tenant(user.tenant_id)
        await self._claim_email(user, user.email)
        try:
            await self._claim_phones(user.tenant_id, user.id, user.phones)
        except NumberTaken:
            await self._release_email(user, user.email)
            raise
        if pin is not None:
            try:
                user = user.model_copy(update=await self._claim_pin(user.tenant_id, user.id, pin))
            except (PinTaken, ValueError):
                keys = [_caller_key(user.tenant_id, phone) for phone in user.phones]
                await self._release_all(keys=keys, args=[user.id])
                await self._release_email(user, user.email)
                raise
        await self._redis.set(_user_key(user.tenant_id, user.id), user.model_dump_json())
        await self._redis.sadd(_users_key(user.tenant_id), user.id)
        return user

    async def _claim_phones(self, tenant_id: str, user_id: str, phones: list[str]) -> None:
        if not phones:
            return
        keys = [_caller_key(tenant_id, phone) for phone in phones]
        conflict = await self._claim_all(keys=keys, args=[user_id])
        if conflict:
            phone = str(conflict).rsplit(":", 1)[-1]
            raise NumberTaken(f"{phone} already belongs to another user of this tenant")

    async def _claim_email(self, user: User, email: str | None) -> None:
        """Index ``email`` as ``user``'s sign-in name; refused when someone else already has it."""
        if email is None:
            return
        if await self._claim_all(keys=[_email_key(email)], args=[_email_owner(user)]):
            raise EmailTaken(
                f"{email} already belongs to another person's account; use another email address, or "
                "remove it from that account first"
            )

    async def _release_email(self, user: User, email: str | None) -> None:
        if email is not None:
            await self._release_all(keys=[_email_key(email)], args=[_email_owner(user)])

    async def _forget_user(self, user: User) -> None:
        """Drop the user's global keys: the email index, web sessions and password link."""
        await self._release_email(user, user.email)
        await forget_person(self._redis, user.tenant_id, user.id)

    async def find_user_by_email(self, email: str) -> User | None:
        """The person who signs in with ``email`` (any tenant), or None."""
        try:
            key = _email_key(check_email(email))
        except ValueError:
            return None
        owner = as_str(await self._redis.get(key))
        if owner is None:
            return None
        tenant_id, _, user_id = owner.partition("/")
        try:
            return await self.get_user(tenant_id, user_id)
        except (UserNotFound, ValueError):  # removed while the index still named it
            return None

    async def set_password(self, tenant_id: str, user_id: str, password: str) -> User:
        """Hash ``password`` (argon2id, off the event loop) as the user's, and end their web sessions
        (whoever knew the old password is signed out). They need an email to sign in with, which is
        indexed now if it was not yet (users added before sign-in existed)."""
        user = await self.get_user(tenant_id, user_id)
        if user.email is None:
            raise ValueError("this user has no email address to sign in with; add one first")
        password_hash = await asyncio.to_thread(hash_password, password)
        await self._claim_email(user, user.email)
        updated = user.model_copy(update={"password_hash": password_hash})
        await self._redis.set(_user_key(tenant_id, user_id), updated.model_dump_json(), xx=True)
        await end_user_sessions(self._redis, tenant_id, user_id)
        return updated

    async def get_user(self, tenant_id: str, user_id: str) -> User:
        raw = await self._redis.get(_user_key(tenant_id, user_id))
        if raw is None:
            raise UserNotFound(f"no user {user_id!r} in tenant {tenant_id!r}")
        return User.model_validate_json(raw)

    async def list_users(self, tenant_id: str) -> list[User]:
        ids = as_strs(await self._redis.smembers(_users_key(tenant_id)))
        if not ids:
            return []
        raws = await self._redis.mget([_user_key(tenant_id, user_id) for user_id in ids])
        return sorted(
            (User.model_validate_json(raw) for raw in raws if raw is not None), key=lambda u: u.name
        )

    async def update_user(self, tenant_id: str, user_id: str, **changes: Any) -> User:
        current = await self.get_user(tenant_id, user_id)
        if {"id", "tenant_id", "pin_hash", "pin_index", "password_hash"} & changes.keys():
            raise ValueError("id, tenant_id, the PIN and the password cannot be changed here")
        try:
            updated = User.model_validate({**current.model_dump(), **changes})
        except ValidationError as error:
            raise ValueError(readable_errors(error)) from None
        added = [p for p in updated.phones if p not in current.phones]
        removed = [p for p in current.phones if p not in updated.phones]
        new_email = updated.email != current.email
        if new_email:
            await self._claim_email(updated, updated.email)
        try:
            await self._claim_phones(tenant_id, user_id, added)
        except NumberTaken:
            if new_email:
                await self._release_email(updated, updated.email)
            raise
        await self._release_all(keys=[_caller_key(tenant_id, p) for p in removed], args=[user_id])
        if new_email:
            await self._release_email(current, current.email)
        await self._redis.set(_user_key(tenant_id, user_id), updated.model_dump_json())
        return updated

    async def set_pin(self, tenant_id: str, user_id: str, pin: str | None) -> User:
        user = await self.get_user(tenant_id, user_id)
        changes = (
            await self._claim_pin(tenant_id, user_id, pin) if pin else {"pin_hash": None, "pin_index": None}
        )
        if user.pin_index and user.pin_index != changes["pin_index"]:
            await self._release_all(keys=[_pin_key(tenant_id, user.pin_index)], args=[user_id])
        updated = user.model_copy(update=changes)
        await self._redis.set(_user_key(tenant_id, user_id), updated.model_dump_json())
        return updated

    async def _claim_pin(self, tenant_id: str, user_id: str, pin: str) -> dict[str, str | None]:
        """Index ``pin`` for this user (refused when another user of the tenant has it: a PIN says who
        is calling) and hash it off the event loop; returns the user's new PIN fields."""
        check_pin_format(pin)
        index = self._box.keyed_digests(pin, context=f"pin:{tenant_id}")[0]
        if await self._claim_all(keys=[_pin_key(tenant_id, index)], args=[user_id]):
            raise PinTaken("another user of this company already has that PIN; choose a different one")
        return {"pin_hash": await asyncio.to_thread(hash_pin, pin), "pin_index": index}

    async def remove_user(self, tenant_id: str, user_id: str) -> None:
        user = await self.get_user(tenant_id, user_id)
        await self._release_all(keys=[_caller_key(tenant_id, p) for p in user.phones], args=[user_id])
        if user.pin_index:
            await self._release_all(keys=[_pin_key(tenant_id, user.pin_index)], args=[user_id])
        await self._redis.delete(_user_key(tenant_id, user_id))
        await self._redis.srem(_users_key(tenant_id), user_id)
        await self._forget_user(user)

    async def find_user_by_phone(self, tenant_id: str, phone: str) -> User | None:
        try:
            e164 = normalize_phone(phone)
        except ValueError:
            return None
        user_id = as_str(await self._redis.get(_caller_key(tenant_id, e164)))
        return await self.get_user(tenant_id, user_id) if user_id else None

    async def find_user_by_pin(self, tenant_id: str, pin: str) -> User | None:
        """The user whose PIN this is. The keyed index names the one candidate, and only its slow
        hash is checked, in a thread: hashing every user's PIN on the event loop froze every call on
        the worker (1.8 s for 30 users). PINs set before the index are checked in a thread too."""
        for index in self._box.keyed_digests(pin, context=f"pin:{tenant_id}"):
            user_id = as_str(await self._redis.get(_pin_key(tenant_id, index)))
            if user_id:
                try:
                    user = await self.get_user(tenant_id, user_id)
                except UserNotFound:  # removed while the index still named it
                    return None
                matches = user.pin_hash is not None and await asyncio.to_thread(
                    verify_pin, pin, user.pin_hash
                )
                return user if matches else None
        unindexed = [
            user for user in await self.list_users(tenant_id) if user.pin_hash and not user.pin_index
        ]
        return await asyncio.to_thread(_first_with_pin, unindexed, pin) if unindexed else None

    # --- inbound numbers -----------------------------------------------------------------------

    async def claim_number(self, tenant_id: str, phone: str) -> str:
        """Route calls to ``phone`` to this tenant; a number belongs to at most one tenant."""
        e164 = normalize_phone(phone)
        await self.get_tenant(tenant_id)
        conflict = await self._claim_all(keys=[_route_key(e164)], args=[tenant_id])
        if conflict:
            raise NumberTaken(f"{e164} is already assigned to another tenant")
        await self._redis.sadd(_numbers_key(tenant_id), e164)
        return e164

    async def release_number(self, tenant_id: str, phone: str) -> None:
        e164 = normalize_phone(phone)
        await self._release_all(keys=[_route_key(e164)], args=[tenant_id])
        await self._redis.srem(_numbers_key(tenant_id), e164)

    async def list_numbers(self, tenant_id: str) -> list[str]:
        return as_strs(await self._redis.smembers(_numbers_key(tenant_id)))

    async def tenant_for_number(self, phone: str) -> str | None:
        try:
            e164 = normalize_phone(phone)
        except ValueError:
            return None
        return as_str(await self._redis.get(_route_key(e164)))
