"""Widget tokens on their own: sealed with the deployment's keys, bound to their use, rotating with them,
bound to their tenant's incarnation, and never outliving their session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.redis import Redis
from core.secretbox import SecretBox, new_key_spec, parse_keys
from tenants import Role, Tenant, TenantStore
from tenants.models import utcnow
from tenants.widget_tokens import MAX_TTL, WidgetTokenExpired, WidgetTokenInvalid, WidgetTokens

OLD, NEW = new_key_spec("old"), new_key_spec("new")
ACME = Tenant(id="acme", name="Acme", incarnation="i1")


@pytest.fixture
def issuer(redis: Redis):
    """Widget tokens sealed with some of ``OLD``/``NEW``, on the test Redis."""

    def build(*specs: str, session_limit: timedelta = timedelta(hours=24)) -> WidgetTokens:
        box = SecretBox(parse_keys(specs))
        return WidgetTokens(box, redis, TenantStore(redis, box), session_limit=session_limit)

    return build


def test_a_token_carries_its_claims_and_is_url_safe(issuer):
    token, claims = issuer(NEW).issue(ACME, role=Role.MANAGER, user_id="u_1")

    assert token.startswith("hdw_") and all(c.isalnum() or c in "_-." for c in token)
    assert (claims.tenant_id, claims.tenant_incarnation, claims.role, claims.user_id) == (
        "acme",
        "i1",
        Role.MANAGER,
        "u_1",
    )
    assert timedelta(minutes=59) < claims.expires_at - utcnow() <= timedelta(hours=1)
    assert claims.session_started_at == claims.issued_at
    assert issuer(NEW).verify(token) == claims


def test_tokens_survive_a_key_rotation_until_the_old_key_is_dropped(issuer):
    token, _ = issuer(OLD).issue(ACME, role=Role.OWNER)

    assert issuer(NEW, OLD).verify(token).tenant_id == "acme"
    with pytest.raises(WidgetTokenInvalid):
        issuer(NEW).verify(token)


def test_other_secrets_sealed_with_the_same_key_do_not_pass_as_tokens(issuer):
    box = SecretBox(parse_keys([NEW]))
    leap_secret = box.encrypt('{"tenant_id": "acme"}', context="tenant:acme:leap_token")

    with pytest.raises(WidgetTokenInvalid):
        issuer(NEW).verify("hdw_" + leap_secret.replace(":", "."))


def test_expiry_is_capped_and_checked(issuer):
    tokens = issuer(NEW)
    soon = utcnow() + timedelta(minutes=5)
    _, capped = tokens.issue(ACME, role=Role.OWNER, ttl=timedelta(hours=2), not_after=soon)
    expired, _ = tokens.issue(ACME, role=Role.OWNER, not_after=utcnow() - timedelta(seconds=1))

    assert capped.expires_at == soon
    with pytest.raises(WidgetTokenExpired):
        tokens.verify(expired)
    with pytest.raises(ValueError, match="between"):
        tokens.issue(ACME, role=Role.OWNER, ttl=MAX_TTL + timedelta(seconds=1))


def test_no_token_of_a_session_outlives_the_session_limit(issuer):
    tokens = issuer(NEW, session_limit=timedelta(hours=2))
    started = utcnow() - timedelta(hours=1, minutes=50)

    _, first = tokens.issue(ACME, role=Role.OWNER, ttl=timedelta(hours=24))
    session = first.model_copy(update={"session_started_at": started})
    _, late = tokens.issue(ACME, role=Role.OWNER, session=session)

    assert first.expires_at == first.session_started_at + timedelta(hours=2)
    assert late.expires_at == started + timedelta(hours=2)  # ten minutes, not the hour asked for
    assert late.session_id == first.session_id and late.token_id != first.token_id


async def test_a_session_at_its_limit_cannot_be_refreshed(issuer, redis: Redis):
    box_tokens = issuer(NEW, session_limit=timedelta(hours=1))
    tenant = await TenantStore(redis, SecretBox(parse_keys([NEW]))).create_tenant(ACME)
    _, claims = box_tokens.issue(tenant, role=Role.OWNER)
    at_limit = claims.model_copy(update={"session_started_at": utcnow() - timedelta(hours=1)})

    with pytest.raises(WidgetTokenExpired, match="sign in again"):
        await box_tokens.refresh(at_limit, tenant, role=Role.OWNER)
