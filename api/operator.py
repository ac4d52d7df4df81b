"""The operator credential: one token that may manage every tenant, configured only as a hash.

The deployment keeps ``HARDE_OPERATOR_TOKEN_HASH=sha256:<hex>``; the token itself (``hdo_...``)
lives only with the operator, so reading the configuration or the environment does not grant
access. The token is 256 random bits, so SHA-256 is a sufficient hash; comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

OPERATOR_PREFIX = "hdo_"
_HASH_PREFIX = "sha256:"


def hash_operator_token(token: str) -> str:
    """The value to put in ``HARDE_OPERATOR_TOKEN_HASH`` for ``token``."""
    return _HASH_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def new_operator_token() -> tuple[str, str]:
    """A fresh operator token and its hash (what ``harde operator-token`` prints)."""
    token = OPERATOR_PREFIX + secrets.token_urlsafe(32)
    return token, hash_operator_token(token)


def is_operator_token(token: str, configured_hash: str) -> bool:
    return hmac.compare_digest(hash_operator_token(token), configured_hash)
