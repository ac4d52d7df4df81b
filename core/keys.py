"""The Redis key layout, in one place: what a tenant id may be, and how every key is built.

Every key that belongs to a tenant starts with ``t:{tenant_id}:`` (``tenant_key``), so a tenant can
be exported or erased as a unit; its blobs likewise live under ``t/{tenant_id}/``. The tenant id
rule keeps both prefixes unambiguous: an id never contains ``:``, ``/`` or a glob character.

A few keys live outside any tenant prefix, because they must be found before the tenant is known or
because they belong to the platform rather than to one tenant. Each family has a builder here, and
a pattern in ``GLOBAL_FAMILIES``:

- ``tenants``: the set of every tenant id;
- ``route:number:{e164}`` -> tenant id: which tenant an inbound number rings (erased with it);
- ``apikey:{sha256}``: an active API key's record, found from the presented key (dropped when the
  tenant is erased through the API or the CLI, which call ``forget_tenant`` first);
- ``invites`` (hash: invite id -> record), ``invite:code:{sha256}`` -> invite id and
  ``invite:{id}:claim``: invite links, an operator's records; a redeemed one names its tenant;
- ``authfail:{address}``: failed authentications from one client address (a rate limit), and
  ``authfail:email:{sha256}``: wrong passwords for one email address, whoever sent them;
- ``email:{sha256}`` -> ``{tenant_id}/{user_id}``: who signs in with an email address (an email is
  unique across the platform; erased with its tenant);
- ``websession:{sha256}``: a person's web session, found from the ``harde_session`` cookie (ended
  with its tenant, its user, or "sign out everywhere", which find them through the per-user set
  ``t:{tenant_id}:websessions:{user_id}``); ``websessions:operator``, the operator's sessions;
- ``pwlink:{sha256}``: a one-time password link (welcome or reset), found from its token (voided
  with its tenant or user through ``t:{tenant_id}:pwlink:{user_id}``);
- ``leap:rl:{token digest}``: a Leap token's request bucket, shared by every worker using it.
"""

from __future__ import annotations

import re
import secrets
from enum import StrEnum
from typing import Final

TENANT_ID_PATTERN: Final = r"^[a-z0-9][a-z0-9-]{1,39}$"
"""A tenant id: 2-40 lowercase letters, digits and '-', not starting with '-'."""

_TENANT_ID: Final = re.compile(TENANT_ID_PATTERN)
_TENANT_KEY: Final = re.compile(r"^t:(?P<tenant>[^:]+):.+$", re.DOTALL)


def is_tenant_id(value: str) -> bool:
    return _TENANT_ID.match(value) is not None


def check_tenant_id(value: str) -> str:
    """``value`` if it is a valid tenant id; ValueError otherwise."""
    if not is_tenant_id(value):
        raise ValueError(f"invalid tenant id {value!r}: 2-40 characters of lowercase letters, digits and '-'")
    return value


# --- keys under a tenant's prefix ----------------------------------------------------------------


def tenant_prefix(tenant_id: str) -> str:
    """``t:{tenant_id}:``, the start of every key of the tenant."""
    return f"t:{check_tenant_id(tenant_id)}:"


def tenant_key(tenant_id: str, *parts: str) -> str:
    """``t:{tenant_id}:{part}:{part}...``; refuses a tenant id that could escape its prefix."""
    if not parts:
        raise ValueError("a tenant key needs at least one part after the tenant id")
    return tenant_prefix(tenant_id) + ":".join(parts)


def tenant_blob_prefix(tenant_id: str) -> str:
    """``t/{tenant_id}/``, where a tenant's blobs live in the blob store."""
    return f"t/{check_tenant_id(tenant_id)}/"


def tenant_of(key: str) -> str | None:
    """The tenant a key belongs to (a valid id under ``t:``), or None."""
    found = _TENANT_KEY.match(key)
    return found["tenant"] if found and is_tenant_id(found["tenant"]) else None


# --- keys outside any tenant prefix --------------------------------------------------------------


def tenant_index() -> str:
    return "tenants"


def number_route(phone: str) -> str:
    return f"route:number:{phone}"


def api_key_index(key_digest: str) -> str:
    return f"apikey:{key_digest}"


def invite_index() -> str:
    return "invites"


def invite_code(code_digest: str) -> str:
    return f"invite:code:{code_digest}"


def invite_claim(invite_id: str) -> str:
    return f"invite:{invite_id}:claim"


def auth_failures(address: str) -> str:
    return f"authfail:{address}"


def sign_in_failures(email_digest: str) -> str:
    return f"authfail:email:{email_digest}"


def leap_rate_limit(token_digest: str) -> str:
    return f"leap:rl:{token_digest}"


def email_index(email_digest: str) -> str:
    return f"email:{email_digest}"


def web_session(token_digest: str) -> str:
    return f"websession:{token_digest}"


def operator_web_sessions() -> str:
    return "websessions:operator"


def password_link(token_digest: str) -> str:
    return f"pwlink:{token_digest}"


GLOBAL_FAMILIES: Final[dict[str, re.Pattern[str]]] = {
    "tenant index": re.compile(r"^tenants$"),
    "number route": re.compile(r"^route:number:\+?[0-9]+$"),
    "API key index": re.compile(r"^apikey:[0-9a-f]{64}$"),
    "invite index": re.compile(r"^invites$"),
    "invite code": re.compile(r"^invite:code:[0-9a-f]{64}$"),
    "invite claim": re.compile(r"^invite:[A-Za-z0-9_]+:claim$"),
    "auth failures": re.compile(r"^authfail:\S+$"),  # an IPv6 address has colons
    "Leap rate limit": re.compile(r"^leap:rl:[0-9a-f]{16}$"),
    "email index": re.compile(r"^email:[0-9a-f]{64}$"),
    "web session": re.compile(r"^websession:[0-9a-f]{64}$"),
    "operator web sessions": re.compile(r"^websessions:operator$"),
    "password link": re.compile(r"^pwlink:[0-9a-f]{64}$"),
}
"""Every key family outside the tenant prefixes, by name: a key matching none of these and not
under a valid ``t:{tenant_id}:`` is outside the layout."""


def outside_scheme(key: str) -> bool:
    """Whether ``key`` is neither a tenant's key nor one of ``GLOBAL_FAMILIES``."""
    if key.startswith("t:"):
        return tenant_of(key) is None
    return not any(pattern.match(key) for pattern in GLOBAL_FAMILIES.values())


# --- session ids ---------------------------------------------------------------------------------


class SessionKind(StrEnum):
    """Where a session started; its id starts with this and ``_``."""

    PHONE = "ph"
    BROWSER_CALL = "wb"  # a browser call over WebRTC
    WIDGET = "wg"  # a widget token's refresh chain
    CONVERSATION = "c"  # a typed conversation over the API
    API = "api"  # one Direct Tools API request


def new_session_id(kind: SessionKind) -> str:
    """``{kind}_{24 hex}``: a fresh id, safe as a key part (no ``:``) and in a blob path."""
    return f"{kind}_{secrets.token_hex(12)}"
