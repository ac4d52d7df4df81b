"""Who is calling, and may they do this? Every ``/v1`` route starts here.

One ``Authorization: Bearer`` header carries one of three credentials, told apart by prefix:

- ``hdo_...`` the operator: every tenant, platform-wide endpoints, no rate limit;
- ``hde_...`` a tenant API key with scopes (``tools:read``, ``tools:write``, ``knowledge``,
  ``conversations``, ``admin``);
- ``hdw_...`` a widget token: one browser session of one tenant, as a user (or an anonymous
  visitor) with a role; it may hold typed conversations and nothing else.

Without that header, the web app's session cookie (``web_sessions``) is accepted: a signed-in person
acts as ``user:{id}`` with their role's scopes (``ROLE_SCOPES``), an operator session as the
operator; unsafe requests it authenticates must carry the session's CSRF token.

A client address whose credentials keep failing is logged and then refused for a while
(``auth_failures``). Tenant credentials are rate limited (their own bucket and their tenant's)
before anything else is decided, so probing another tenant's paths costs the prober its budget.
A signed-in person has buckets of their own, sized for the console (``limits``).
A tenant credential asking for another tenant's path gets 403 whether that tenant exists or
not: the answer never tells it anything about other tenants.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import Admin, AdminDeps
from api.limits import attach
from api.operator import OPERATOR_PREFIX, is_operator_token
from api.principals import Operator, Principal, TenantCredential
from api.problems import (
    EXPIRED_CREDENTIAL,
    INSUFFICIENT_SCOPE,
    INVALID_CREDENTIAL,
    MISSING_CREDENTIAL,
    OPERATOR_NOT_CONFIGURED,
    OPERATOR_ONLY,
    WRONG_TENANT,
    ApiProblem,
)
from api.web_sessions import SignedIn, require_session, session_cookie
from core.keys import TENANT_ID_PATTERN
from tenants import Scope, TenantNotFound
from tenants.api_keys import KEY_PREFIX
from tenants.models import utcnow
from tenants.widget_tokens import PREFIX as WIDGET_PREFIX
from tenants.widget_tokens import WidgetTokenExpired, WidgetTokenInvalid, widget_caller

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An operator token (`hdo_...`), a tenant API key (`hde_...`) or a widget token (`hdw_...`).",
)


@dataclass(frozen=True)
class TenantAccess:
    """Someone allowed to act on ``tenant_id``: the operator, or one of the tenant's own credentials."""

    tenant_id: str
    principal: Principal

    @property
    def actor(self) -> str:
        return self.principal.actor


SessionCookie = Annotated[str | None, Security(session_cookie)]


async def authenticate(
    request: Request,
    admin: Admin,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    cookie: SessionCookie,
) -> Principal:
    if credentials is None and cookie is None:
        raise ApiProblem(
            MISSING_CREDENTIAL,
            "Sign in to the web app, or send 'Authorization: Bearer <credential>' with an API key "
            "(hde_...), a widget token (hdw_...) or the operator token (hdo_...).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    await admin.auth_failures.check(request)
    if credentials is None:
        principal = (await require_session(request, admin, cookie)).principal
        if isinstance(principal, TenantCredential):
            limited = admin.limits.admit(principal.tenant_id, principal.actor, person=True)
            attach(request, await limited)
        return principal
    token = credentials.credentials
    try:
        principal = await _verify(admin, token)
    except ApiProblem as refused:
        if refused.kind.status == 401:
            await admin.auth_failures.record(request, _kind_of(token), refused.kind.slug)
        raise
    if isinstance(principal, TenantCredential):
        attach(request, await admin.limits.admit(principal.tenant_id, principal.actor))
    return principal


async def _verify(admin: AdminDeps, token: str) -> Principal:
    if token.startswith(KEY_PREFIX):
        return await _api_key(admin, token)
    if token.startswith(WIDGET_PREFIX):
        return await _widget(admin, token)
    if token.startswith(OPERATOR_PREFIX):
        return _operator(admin, token)
    raise _invalid("This is not a Hard-E credential; they start with hde_, hdw_ or hdo_.")


def _kind_of(token: str) -> str:
    """What the credential claims to be, for the security log (which never shows the credential)."""
    kinds = {KEY_PREFIX: "API key", WIDGET_PREFIX: "widget token", OPERATOR_PREFIX: "operator token"}
    return next((kind for prefix, kind in kinds.items() if token.startswith(prefix)), "unknown credential")


def _invalid(detail: str) -> ApiProblem:
    return ApiProblem(
        INVALID_CREDENTIAL, detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


async def _api_key(admin: AdminDeps, token: str) -> TenantCredential:
    key = await admin.keys.find_active(token)
    if key is None or not await _tenant_alive(admin, key.tenant_id, key.tenant_incarnation):
        raise _invalid(
            "This API key is not valid: it was revoked, its company was deleted, or it never existed. "
            "Ask an admin for a new one."
        )
    if key.expired(utcnow()):
        raise ApiProblem(
            EXPIRED_CREDENTIAL,
            f"This API key expired at {key.expires_at:%Y-%m-%d %H:%M} UTC. Ask an admin for a new one.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    await admin.keys.touch(key)
    return TenantCredential(tenant_id=key.tenant_id, scopes=frozenset(key.scopes), key_id=key.id)


async def _tenant_alive(admin: AdminDeps, tenant_id: str, incarnation: str) -> bool:
    """Whether the tenant a credential was issued for still exists (not a later one of the same id)."""
    try:
        return (await admin.tenants.get_tenant(tenant_id)).incarnation == incarnation
    except TenantNotFound:
        return False


async def _widget(admin: AdminDeps, token: str) -> TenantCredential:
    try:
        caller = await widget_caller(admin.widget_tokens, admin.tenants, token)
    except WidgetTokenExpired as error:
        raise ApiProblem(EXPIRED_CREDENTIAL, str(error)) from None
    except WidgetTokenInvalid as error:
        raise _invalid(str(error)) from None
    return TenantCredential(
        tenant_id=caller.tenant_id,
        scopes=frozenset({Scope.CONVERSATIONS}),
        user_id=caller.user_id,
        role=caller.role,
        widget=caller.claims,
    )


def _operator(admin: AdminDeps, token: str) -> Operator:
    configured = admin.settings.operator_token_hash
    if configured is None:
        raise ApiProblem(
            OPERATOR_NOT_CONFIGURED,
            "This deployment has no operator token. Set HARDE_OPERATOR_TOKEN_HASH (create one with "
            "`harde operator-token`) and restart.",
        )
    if not is_operator_token(token, configured):
        raise _invalid("This operator token is not the configured one.")
    return Operator()


Authenticated = Annotated[Principal, Depends(authenticate)]


async def current_session(request: Request, admin: Admin, cookie: SessionCookie) -> SignedIn:
    """A dependency: the web app's signed-in session (its CSRF token checked for unsafe methods)."""
    return await require_session(request, admin, cookie)


CurrentSession = Annotated[SignedIn, Depends(current_session)]


async def require_operator(principal: Authenticated) -> Operator:
    if not isinstance(principal, Operator):
        raise ApiProblem(OPERATOR_ONLY, "Only the operator may do this; tenant credentials cannot.")
    return principal


OperatorOnly = Annotated[Operator, Depends(require_operator)]

TenantIdPath = Annotated[
    str,
    Path(
        pattern=TENANT_ID_PATTERN,
        description="The tenant's id: 2-40 lowercase letters, digits and '-'.",
        examples=["demo-roofing"],
    ),
]


def _check_scope(credential: TenantCredential, *scopes: Scope) -> None:
    """The credential must hold one of ``scopes``."""
    if any(credential.has(scope) for scope in scopes):
        return
    wanted = " or ".join(f"'{scope.value}'" for scope in scopes)
    if credential.web_session is not None and credential.role is not None:
        role = credential.role.value.replace("_", " ")
        detail = f"A {role} may not do this (it needs {wanted}). Ask an owner or manager of your company."
    else:
        kind = "widget token" if credential.key_id is None else "API key"
        detail = (
            f"This {kind} lacks the {wanted} scope. Use a key that has it, or ask an admin to create one."
        )
    raise ApiProblem(INSUFFICIENT_SCOPE, detail)


def tenant_access(scope: Scope) -> Callable[..., Awaitable[TenantAccess]]:
    """A dependency: the operator, or a credential of the path's tenant holding ``scope``."""

    async def dependency(tenant_id: TenantIdPath, principal: Authenticated) -> TenantAccess:
        if isinstance(principal, TenantCredential):
            if principal.tenant_id != tenant_id:
                raise ApiProblem(
                    WRONG_TENANT,
                    f"This credential belongs to tenant '{principal.tenant_id}' and can only reach "
                    f"/v1/tenants/{principal.tenant_id}/...",
                )
            _check_scope(principal, scope)
        return TenantAccess(tenant_id, principal)

    return dependency


def tenant_caller(*scopes: Scope) -> Callable[..., Awaitable[TenantCredential]]:
    """A dependency for acting *as* a tenant (tools, conversations): a credential with one of ``scopes``."""

    async def dependency(principal: Authenticated) -> TenantCredential:
        if not isinstance(principal, TenantCredential):
            raise ApiProblem(
                INSUFFICIENT_SCOPE,
                "The operator acts on tenants but not as one; use one of the tenant's API keys.",
            )
        _check_scope(principal, *scopes)
        return principal

    return dependency
