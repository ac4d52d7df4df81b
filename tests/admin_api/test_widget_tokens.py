"""Widget tokens on their own: sealed with the deployment's keys, bound to their use, rotating with them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.secretbox import SecretBox, new_key_spec, parse_keys
from tenants import Role
from tenants.models import utcnow
from tenants.widget_tokens import MAX_TTL, WidgetTokenExpired, WidgetTokenInvalid, WidgetTokens

OLD, NEW = new_key_spec("old"), new_key_spec("new")


def tokens(*specs: str) -> WidgetTokens:
    return WidgetTokens(SecretBox(parse_keys(specs)))


def test_a_token_carries_its_claims_and_is_url_safe():
    token, claims = tokens(NEW).issue("acme", role=Role.MANAGER, user_id="u_1")

    assert token.startswith("hdw_") and all(c.isalnum() or c in "_-." for c in token)
    assert (claims.tenant_id, claims.role, claims.user_id) == ("acme", Role.MANAGER, "u_1")
    assert timedelta(minutes=59) < claims.expires_at - utcnow() <= timedelta(hours=1)
    assert tokens(NEW).verify(token) == claims


def test_tokens_survive_a_key_rotation_until_the_old_key_is_dropped():
    token, _ = tokens(OLD).issue("acme", role=Role.OWNER)

    assert tokens(NEW, OLD).verify(token).tenant_id == "acme"
    with pytest.raises(WidgetTokenInvalid):
        tokens(NEW).verify(token)


def test_other_secrets_sealed_with_the_same_key_do_not_pass_as_tokens():
    box = SecretBox(parse_keys([NEW]))
    leap_secret = box.encrypt('{"tenant_id": "acme"}', context="tenant:acme:leap_token")

    with pytest.raises(WidgetTokenInvalid):
        WidgetTokens(box).verify("hdw_" + leap_secret.replace(":", "."))


def test_expiry_is_capped_and_checked():
    issuer = tokens(NEW)
    soon = utcnow() + timedelta(minutes=5)
    _, capped = issuer.issue("acme", role=Role.OWNER, ttl=timedelta(hours=2), not_after=soon)
    expired, _ = issuer.issue("acme", role=Role.OWNER, not_after=utcnow() - timedelta(seconds=1))

    assert capped.expires_at == soon
    with pytest.raises(WidgetTokenExpired):
        issuer.verify(expired)
    with pytest.raises(ValueError, match="between"):
        issuer.issue("acme", role=Role.OWNER, ttl=MAX_TTL + timedelta(seconds=1))
