"""Where a person's sign-in lives in Redis, and how it is ended.

A web session and a password link are found from what the browser presents (a cookie, a link's
token), before the tenant is known, so their records are global keys (``core.keys``). Each person's
are also listed under the tenant's prefix, so that ending them all (sign out everywhere, a removed
user, an erased tenant, a new password) finds every one:

- ``t:{tenant}:websessions:{user}``: set of the person's session digests (``websession:{digest}``);
- ``t:{tenant}:pwlink:{user}``: the digest of the person's one live password link (``pwlink:{digest}``).

``web_sessions`` and ``password_links`` write them; ``store`` ends them when a user or tenant goes.
Ending every session of a list is one Lua step: a session started at the same instant is either
ended with the rest or listed afterwards (so the next "everywhere" finds it), never left unlisted.
"""

from __future__ import annotations

from typing import Final

from core.keys import password_link, tenant_key, web_session
from core.redis import Redis, as_str

# Delete the set KEYS[1] and every session it lists (ARGV[1] is the session keys' prefix), at once;
# answers how many sessions were listed.
_END_LISTED: Final = """
local digests = redis.call('SMEMBERS', KEYS[1])
for _, digest in ipairs(digests) do redis.call('DEL', ARGV[1] .. digest) end
redis.call('DEL', KEYS[1])
return #digests
"""


def user_sessions_key(tenant_id: str, user_id: str) -> str:
    return tenant_key(tenant_id, "websessions", user_id)


def user_link_key(tenant_id: str, user_id: str) -> str:
    return tenant_key(tenant_id, "pwlink", user_id)


async def end_user_sessions(redis: Redis, tenant_id: str, user_id: str) -> int:
    """End every web session of the person at once; returns how many there were."""
    return await end_listed_sessions(redis, user_sessions_key(tenant_id, user_id))


async def end_listed_sessions(redis: Redis, listed: str) -> int:
    """End every web session listed in the set ``listed`` (one atomic step); returns how many."""
    ended = await redis.register_script(_END_LISTED)(keys=[listed], args=[web_session("")])
    return int(ended)


async def void_link(redis: Redis, tenant_id: str, user_id: str) -> None:
    """The person's password link, if any, stops working (and is forgotten)."""
    pointer = user_link_key(tenant_id, user_id)
    digest = as_str(await redis.get(pointer))
    await redis.delete(pointer, *([password_link(digest)] if digest else []))


async def forget_person(redis: Redis, tenant_id: str, user_id: str) -> None:
    """Remove every global key that lets this person in: their sessions and their password link."""
    await end_user_sessions(redis, tenant_id, user_id)
    await void_link(redis, tenant_id, user_id)
