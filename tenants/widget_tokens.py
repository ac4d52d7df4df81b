"""Widget tokens: short-lived, signed credentials for browser sessions (the widget's calls and chat).

A tenant admin or an invite link issues one; the admin API (typed conversations) and ``webrtc``
(browser calls) verify it. The claims are sealed with the secret box (AES-256-GCM): its
authentication tag is the signature, so a token cannot be forged or altered without a secret key,
the versioned keys rotate like every other secret, and the browser cannot read the ids inside (it
is told the expiry separately).

A genuine, unexpired token is still refused when (``check``):

- its tenant is gone: the token carries the tenant's incarnation (a random id the store gives each
  tenant at creation), so it dies with the tenant and never works for a later tenant created under
  the same id;
- it was refreshed: ``refresh`` retires the token it replaces with one ``SET NX`` (a Redis key under
  the tenant's prefix that lives as long as the old token would have), so of two concurrent
  refreshes of one token exactly one succeeds.

A token and its refreshes are one session: they share a ``session_id`` (so the session's
conversations and rate limit carry over a refresh) and the time the first token was issued, and no
token of the session lives past that plus the session limit (``HARDE_WIDGET_SESSION_MAX_HOURS``):
after it, the person signs in again.

On the wire a token is ``hdw_`` followed by the sealed claims with ':' written as '.', so it is
made only of URL-safe characters and fits a header, a query string or local storage unchanged.

``widget_caller`` turns a token into who is calling *now* (the tenant must still exist, and a
user's current role applies, not the one at issue time); both doors that take widget tokens, the
admin API's conversations and ``webrtc``'s browser calls, use it, so they cannot disagree.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from core.keys import SessionKind, new_session_id, tenant_key
from core.redis import Redis
from core.secretbox import SecretBox, SecretBoxError
from tenants.models import Role, Tenant, utcnow
from tenants.store import TenantNotFound, TenantStore, UserNotFound

PREFIX = "hdw_"
DEFAULT_TTL = timedelta(hours=1)
MAX_TTL = timedelta(hours=24)
DEFAULT_SESSION_LIMIT = timedelta(hours=24)
_CONTEXT = "widget-token:v1"  # binds the ciphertext to this use: no other secret passes as a token


class WidgetTokenError(Exception):
    """The token cannot be used; the message says why, in a sentence fit for the person holding it."""


class WidgetTokenInvalid(WidgetTokenError):
    """Malformed, forged, tampered with, or sealed with a key this deployment no longer has."""


class WidgetTokenExpired(WidgetTokenError):
    """Genuine but past its expiry, or its refresh chain has reached the session limit."""


class WidgetClaims(BaseModel):
    """Who a browser session acts as. ``user_id`` is None for an anonymous visitor with ``role``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant_id: str
    tenant_incarnation: str
    role: Role
    user_id: str | None = None
    issued_at: datetime
    session_id: str  # the same for a token and all its refreshes
    session_started_at: datetime  # when the first token of this refresh chain was issued
    expires_at: datetime
    token_id: str


def _retired_key(tenant_id: str, token_id: str) -> str:
    return tenant_key(tenant_id, "widget-retired", token_id)


class WidgetTokens:
    """Issues, checks and refreshes widget tokens with the deployment's secret keys."""

    def __init__(
        self,
        box: SecretBox,
        redis: Redis,
        tenants: TenantStore,
        *,
        session_limit: timedelta = DEFAULT_SESSION_LIMIT,
    ) -> None:
        self._box = box
        self._redis = redis
        self._tenants = tenants
        self._session_limit = session_limit

    def issue(
        self,
        tenant: Tenant,
        *,
        role: Role,
        user_id: str | None = None,
        ttl: timedelta = DEFAULT_TTL,
        not_after: datetime | None = None,
        session: WidgetClaims | None = None,
    ) -> tuple[str, WidgetClaims]:
        """A new token and its claims; it expires after ``ttl``, and never later than ``not_after`` or
        the end of its session: a new one, or for a refresh the ``session`` of the token it replaces."""
        if not timedelta(0) < ttl <= MAX_TTL:
            raise ValueError(f"a widget token lives between 1 second and {MAX_TTL}, not {ttl}")
        now = utcnow()
        started = session.session_started_at if session else now
        ends = [now + ttl, started + self._session_limit, *([not_after] if not_after else [])]
        claims = WidgetClaims(
            tenant_id=tenant.id,
            tenant_incarnation=tenant.incarnation,
            role=role,
            user_id=user_id,
            issued_at=now,
            session_id=session.session_id if session else new_session_id(SessionKind.WIDGET),
            session_started_at=started,
            expires_at=min(ends),
            token_id=secrets.token_hex(8),
        )
        sealed = self._box.encrypt(claims.model_dump_json(), context=_CONTEXT)
        return PREFIX + sealed.replace(":", "."), claims

    def verify(self, token: str) -> WidgetClaims:
        """The claims of a genuine, unexpired token; raises ``WidgetTokenError`` saying what is wrong.

        Reads only the token: whether its tenant still exists and whether it was refreshed is
        ``check``'s to say.
        """
        if not token.startswith(PREFIX):
            raise WidgetTokenInvalid("Not a widget token (they start with 'hdw_').")
        try:
            payload = self._box.decrypt(token.removeprefix(PREFIX).replace(".", ":"), context=_CONTEXT)
            claims = WidgetClaims.model_validate_json(payload)
        except (SecretBoxError, ValidationError):
            raise WidgetTokenInvalid("This widget token is not valid; ask for a new one.") from None
        if claims.expires_at <= utcnow():
            raise WidgetTokenExpired("This widget token has expired; ask for a new one.")
        return claims

    async def check(self, token: str) -> WidgetClaims:
        """``verify``, and the token's tenant is the one it was issued for and it was not refreshed."""
        claims = self.verify(token)
        try:
            tenant = await self._tenants.get_tenant(claims.tenant_id)
        except TenantNotFound:
            tenant = None
        if tenant is None or tenant.incarnation != claims.tenant_incarnation:
            raise WidgetTokenInvalid("The company this widget token was issued for no longer exists.")
        if await self._redis.exists(_retired_key(claims.tenant_id, claims.token_id)):
            raise WidgetTokenInvalid("This widget token was refreshed; use the token the refresh returned.")
        return claims

    async def refresh(
        self, claims: WidgetClaims, tenant: Tenant, *, role: Role, not_after: datetime | None = None
    ) -> tuple[str, WidgetClaims]:
        """A successor of a checked token, in the same session; the old token stops working at once.

        Raises ``WidgetTokenExpired`` once the session has reached its limit, and
        ``WidgetTokenInvalid`` if the token was refreshed already (by a concurrent request).
        """
        if claims.session_started_at + self._session_limit <= utcnow() + timedelta(seconds=1):
            hours = self._session_limit.total_seconds() / 3600
            raise WidgetTokenExpired(
                f"This widget session has reached its limit of {hours:g} hours; sign in again."
            )
        remaining_ms = int((claims.expires_at - utcnow()).total_seconds() * 1000)
        retired = await self._redis.set(
            _retired_key(claims.tenant_id, claims.token_id), "1", nx=True, px=max(1, remaining_ms)
        )
        if not retired:
            raise WidgetTokenInvalid("This widget token was refreshed; use the token the refresh returned.")
        return self.issue(
            tenant,
            role=role,
            user_id=claims.user_id,
            not_after=not_after,
            session=claims,
        )


@dataclass(frozen=True)
class WidgetCaller:
    """Who a checked widget token acts as, as of now (``role`` is the user's current one)."""

    claims: WidgetClaims
    role: Role

    @property
    def tenant_id(self) -> str:
        return self.claims.tenant_id

    @property
    def user_id(self) -> str | None:
        return self.claims.user_id

    @property
    def session_id(self) -> str:
        """The token's refresh chain: what a browser session stays bound to across refreshes."""
        return self.claims.session_id


async def widget_caller(tokens: WidgetTokens, tenants: TenantStore, token: str) -> WidgetCaller:
    """Check ``token`` and look up who it stands for; raises ``WidgetTokenError`` saying why not."""
    claims = await tokens.check(token)
    role = claims.role
    if claims.user_id is not None:
        try:  # the user's current role, not the one they had when the token was issued
            role = (await tenants.get_user(claims.tenant_id, claims.user_id)).role
        except UserNotFound:
            raise WidgetTokenInvalid("The user of this widget token no longer exists.") from None
    return WidgetCaller(claims=claims, role=role)
