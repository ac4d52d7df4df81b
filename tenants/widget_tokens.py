"""Widget tokens: short-lived, signed credentials for browser sessions (the widget's calls and chat).

A tenant admin or an invite link issues one; the admin API (typed conversations) and ``webrtc``
(browser calls) verify it. The claims are sealed with the secret box (AES-256-GCM): its
authentication tag is the signature, so a token cannot be forged or altered without a secret key,
the versioned keys rotate like every other secret, and the browser cannot read the ids inside (it
is told the expiry separately). Nothing is stored server-side, so checking a token costs no Redis
round trip; the price is that a token cannot be withdrawn before it expires, hence the short life.

On the wire a token is ``hdw_`` followed by the sealed claims with ':' written as '.', so it is
made only of URL-safe characters and fits a header, a query string or local storage unchanged.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from core.secretbox import SecretBox, SecretBoxError
from tenants.models import Role, utcnow

PREFIX = "hdw_"
DEFAULT_TTL = timedelta(hours=1)
MAX_TTL = timedelta(hours=24)
_CONTEXT = "widget-token:v1"  # binds the ciphertext to this use: no other secret passes as a token


class WidgetTokenError(Exception):
    """The token cannot be used; the message says why, in a sentence fit for the person holding it."""


class WidgetTokenInvalid(WidgetTokenError):
    """Malformed, forged, tampered with, or sealed with a key this deployment no longer has."""


class WidgetTokenExpired(WidgetTokenError):
    """Genuine but past its expiry."""


class WidgetClaims(BaseModel):
    """Who a browser session acts as. ``user_id`` is None for an anonymous visitor with ``role``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant_id: str
    role: Role
    user_id: str | None = None
    issued_at: datetime
    expires_at: datetime
    token_id: str


class WidgetTokens:
    """Issues and verifies widget tokens with the deployment's secret keys."""

    def __init__(self, box: SecretBox) -> None:
        self._box = box

    def issue(
        self,
        tenant_id: str,
        *,
        role: Role,
        user_id: str | None = None,
        ttl: timedelta = DEFAULT_TTL,
        not_after: datetime | None = None,
    ) -> tuple[str, WidgetClaims]:
        """A new token and its claims; it expires after ``ttl``, and never later than ``not_after``."""
        if not timedelta(0) < ttl <= MAX_TTL:
            raise ValueError(f"a widget token lives between 1 second and {MAX_TTL}, not {ttl}")
        now = utcnow()
        expires_at = now + ttl if not_after is None else min(now + ttl, not_after)
        claims = WidgetClaims(
            tenant_id=tenant_id,
            role=role,
            user_id=user_id,
            issued_at=now,
            expires_at=expires_at,
            token_id=secrets.token_hex(8),
        )
        sealed = self._box.encrypt(claims.model_dump_json(), context=_CONTEXT)
        return PREFIX + sealed.replace(":", "."), claims

    def verify(self, token: str) -> WidgetClaims:
        """The claims of a genuine, unexpired token; raises ``WidgetTokenError`` saying what is wrong."""
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
