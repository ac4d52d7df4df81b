"""Typed conversations started through the API, and who owns each.

The brain keeps a conversation's history under its session id; this adds the owner (the API key
or widget user that started it), so one credential cannot read or continue another's
conversation, even within a tenant. The record expires with the brain's history.
"""

from __future__ import annotations

from api.principals import TenantCredential
from brain import CallContext, Channel
from brain.conversation import HISTORY_TTL_SECONDS
from core.keys import SessionKind, new_session_id, tenant_key
from core.redis import Redis, as_str
from tenants import TenantStore


def _owner_key(tenant_id: str, conversation_id: str) -> str:
    return tenant_key(tenant_id, "apiconv", conversation_id)


class ConversationOwners:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def start(self, caller: TenantCredential) -> str:
        conversation_id = new_session_id(SessionKind.CONVERSATION)
        await self._redis.set(
            _owner_key(caller.tenant_id, conversation_id), caller.actor, ex=HISTORY_TTL_SECONDS
        )
        return conversation_id

    async def owns(self, caller: TenantCredential, conversation_id: str) -> bool:
        """Whether ``caller`` started this conversation (and it has not expired); renews it if so."""
        key = _owner_key(caller.tenant_id, conversation_id)
        if as_str(await self._redis.get(key)) != caller.actor:
            return False
        await self._redis.expire(key, HISTORY_TTL_SECONDS)
        return True


async def call_context(tenants: TenantStore, caller: TenantCredential, conversation_id: str) -> CallContext:
    """The brain's view of the caller: a key with its tool scopes, or a person with a role."""
    if caller.key_id is not None:
        return CallContext(
            tenant_id=caller.tenant_id,
            session_id=conversation_id,
            channel=Channel.TEXT,
            api_key_id=caller.key_id,
            scopes=caller.scopes,
        )
    name = (await tenants.get_user(caller.tenant_id, caller.user_id)).name if caller.user_id else None
    return CallContext(
        tenant_id=caller.tenant_id,
        session_id=conversation_id,
        channel=Channel.TEXT,
        role=caller.role,
        user_id=caller.user_id,
        user_name=name,
    )
