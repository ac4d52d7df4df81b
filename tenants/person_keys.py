"""Where a person's sign-in lives in Redis, and how it is ended.

A web session and a password link are found from what the browser presents (a cookie, a link's
token), before the tenant is known, so their records are global keys (``core.keys``). Each person's
are also listed under the tenant's prefix, so that ending them all (sign out everywhere, a removed
user, an erased tenant, a new password) finds every one:

- ``t:{tenant}:websessions:{user}``: set of the person's session digests (``websession:{digest}``);
- ``t:{tenant}:pwlink:{user}``: the digest of the person's one live password link (``pwlink:{digest}``).

``web_sessions`` and ``password_links`` write them; ``store`` ends them when a user or tenant goes.
"""

from __future__ import annotations

from core.keys import password_link, tenant_key, web_session
from core.redis import Redis, as_str, as_strs


def user_sessions_key(tenant_id: str, user_id: str) -> str:
    return tenant_key(tenant_id, "websessions", user_id)


def user_link_key(tenant_id: str, user_id: str) -> str:
    return tenant_key(tenant_id, "pwlink", user_id)


async def end_user_sessions(redis: Redis, tenant_id: str, user_id: str) -> int:
    """End every web session of the person at once; returns how many there were."""
    listed = user_sessions_key(tenant_id, user_id)
    digests = as_strs(await redis.smembers(listed))
    if digests:
        await redis.delete(*(web_session(digest) for digest in digests))
    await redis.delete(listed)
    return len(digests)


async def void_link(redis: Redis, tenant_id: str, user_id: str) -> None:
    """The person's password link, if any, stops working (and is forgotten)."""
    pointer = user_link_key(tenant_id, user_id)
    digest = as_str(await redis.get(pointer))
    await redis.delete(pointer, *([password_link(digest)] if digest else []))


async def forget_person(redis: Redis, tenant_id: str, user_id: str) -> None:
    """Remove every global key that lets this person in: their sessions and their password link."""
    await end_user_sessions(redis, tenant_id, user_id)
    await void_link(redis, tenant_id, user_id)
