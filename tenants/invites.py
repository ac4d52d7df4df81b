"""Invite links: the operator hands out a code; whoever redeems it gets a trial tenant at once.

A code (``hdi_<random>``) is stored only as a hash, like an API key, and works once: redeeming
claims it with ``SET NX``, so two people clicking the same link at the same moment cannot both
get a tenant. If building the tenant fails, the claim is released and the link still works.
The trial tenant works the built-in sandbox CRM (seeded demo data) until someone connects a Leap
token, and carries the invite's limits: days, messages and voice minutes.

Invites are platform records, not a tenant's, so they live outside any tenant prefix:
``invites`` (hash: id -> record), ``invite:code:{sha256}`` -> id, ``invite:{id}:claim``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from core.keys import invite_claim, invite_code, invite_index
from core.redis import Redis, as_str
from tenants import CrmMode, Role, Tenant, TenantExists, TenantStore, TrialLimits, User, new_sandbox_token
from tenants.models import utcnow

CODE_PREFIX = "hdi_"
_SHOWN_CHARS = len(CODE_PREFIX) + 6
_SLUG = re.compile(r"[^a-z0-9]+")
_USED = "this invite link has already been used; sign in, or ask for a new link"
_REVOKED = "this invite link was withdrawn; ask whoever sent it for a new one"


class InviteError(Exception):
    """The invite cannot be redeemed; the message says why, for the person holding the link."""


class InviteNotFound(InviteError):
    pass


class InviteUsed(InviteError):
    pass


class InviteExpired(InviteError):
    pass


class InviteRevoked(InviteError):
    pass


class Invite(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    prefix: str
    note: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    trial_days: int
    max_messages: int | None
    max_voice_minutes: int | None
    revoked_at: datetime | None = None
    redeemed_at: datetime | None = None
    tenant_id: str | None = None


def _code_key(code: str) -> str:
    return invite_code(hashlib.sha256(code.encode()).hexdigest())


def trial_tenant_id(company: str) -> str:
    """A readable, unique-enough id: the company's name as a slug plus a random suffix."""
    slug = _SLUG.sub("-", company.lower()).strip("-")[:30].strip("-") or "trial"
    return f"{slug}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Signup:
    tenant: Tenant
    user: User


class InviteStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def create(
        self,
        *,
        created_by: str,
        expires_at: datetime,
        trial_days: int,
        max_messages: int | None,
        max_voice_minutes: int | None,
        note: str = "",
    ) -> tuple[Invite, str]:
        code = CODE_PREFIX + secrets.token_urlsafe(24)
        invite = Invite(
            id=f"inv_{secrets.token_hex(6)}",
            prefix=code[:_SHOWN_CHARS],
            note=note,
            created_at=utcnow(),
            created_by=created_by,
            expires_at=expires_at,
            trial_days=trial_days,
            max_messages=max_messages,
            max_voice_minutes=max_voice_minutes,
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(invite_index(), invite.id, invite.model_dump_json())
            pipe.set(_code_key(code), invite.id)
            await pipe.execute()
        return invite, code

    async def list_invites(self) -> list[Invite]:
        raw = await self._redis.hgetall(invite_index())
        invites = [Invite.model_validate_json(value) for value in raw.values()]
        return sorted(invites, key=lambda invite: invite.created_at, reverse=True)

    async def get(self, invite_id: str) -> Invite:
        raw = await self._redis.hget(invite_index(), invite_id)
        if raw is None:
            raise InviteNotFound(f"there is no invite {invite_id!r}; list the invites to see their ids")
        return Invite.model_validate_json(raw)

    async def revoke(self, invite_id: str) -> Invite:
        """The link stops working; the record stays listed as revoked."""
        invite = await self.get(invite_id)
        if invite.revoked_at is not None:
            return invite
        revoked = invite.model_copy(update={"revoked_at": utcnow()})
        # Claiming it for nobody makes every later redemption fail, whatever code is presented.
        await self._redis.set(invite_claim(invite_id), "revoked")
        await self._redis.hset(invite_index(), invite_id, revoked.model_dump_json())
        return revoked

    async def lookup(self, code: str) -> Invite:
        """The invite of a code that can still be redeemed (what the sign-up form shows first)."""
        invite = await self._find(code)
        if invite.redeemed_at is not None or await self._redis.exists(invite_claim(invite.id)):
            raise InviteUsed(_USED)
        return invite

    async def redeem(
        self,
        code: str,
        tenants: TenantStore,
        *,
        company: str,
        name: str,
        email: str | None,
        password: str | None = None,
    ) -> Signup:
        """Create the trial tenant and its owner (with ``password``, when given, to sign in with) for a
        valid, unused code; the code is then spent."""
        invite = await self._claim(code)
        try:
            signup = await _create_trial(tenants, invite, company=company, name=name, email=email)
            if password is not None:
                user = await tenants.set_password(signup.tenant.id, signup.user.id, password)
                signup = Signup(signup.tenant, user)
        except BaseException:
            await self._redis.delete(invite_claim(invite.id))
            raise
        done = invite.model_copy(update={"redeemed_at": utcnow(), "tenant_id": signup.tenant.id})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(invite_claim(invite.id), signup.tenant.id)
            pipe.hset(invite_index(), invite.id, done.model_dump_json())
            await pipe.execute()
        return signup

    async def _claim(self, code: str) -> Invite:
        invite = await self._find(code)
        if not await self._redis.set(invite_claim(invite.id), "redeeming", nx=True):
            raise InviteRevoked(_REVOKED) if await self._revoked(invite.id) else InviteUsed(_USED)
        return invite

    async def _find(self, code: str) -> Invite:
        """The code's invite, unless it is unknown, revoked or expired."""
        invite_id = as_str(await self._redis.get(_code_key(code)))
        if invite_id is None:
            raise InviteNotFound("this invite link is not valid; check that it was copied whole")
        invite = await self.get(invite_id)
        if invite.revoked_at is not None:
            raise InviteRevoked(_REVOKED)
        if invite.expires_at <= utcnow():
            raise InviteExpired("this invite link has expired; ask for a new one")
        return invite

    async def _revoked(self, invite_id: str) -> bool:
        return as_str(await self._redis.get(invite_claim(invite_id))) == "revoked"


async def _create_trial(
    tenants: TenantStore, invite: Invite, *, company: str, name: str, email: str | None
) -> Signup:
    trial = TrialLimits(
        expires_at=utcnow() + timedelta(days=invite.trial_days),
        max_messages=invite.max_messages,
        max_voice_minutes=invite.max_voice_minutes,
    )
    for _ in range(3):  # the random suffix makes a clash unlikely; retry rather than fail on one
        try:
            tenant = await tenants.create_tenant(
                Tenant(id=trial_tenant_id(company), name=company, crm=CrmMode.SANDBOX, trial=trial)
            )
            break
        except TenantExists:
            continue
    else:
        raise TenantExists("could not find a free tenant id for this company; try again")
    try:
        await tenants.set_leap_token(tenant.id, new_sandbox_token(), verified_at=None)
        user = await tenants.add_user(User(tenant_id=tenant.id, name=name, email=email, role=Role.OWNER))
        return Signup(await tenants.get_tenant(tenant.id), user)
    except BaseException:
        await tenants.erase_tenant(tenant.id)  # no half-made tenant left behind
        raise
