"""The web app's sign-in, on the API's side: the session cookie, its CSRF check, and who a
session's person is *now*.

The cookie ``harde_session`` is HttpOnly (page scripts cannot read it), SameSite=Lax (other sites'
forms and scripts do not send it) and Secure unless the public URL is plain http (development).
SameSite is not the whole defence: every unsafe request (POST, PUT, PATCH, DELETE) that the cookie
authenticates must also carry the session's CSRF token in ``X-CSRF-Token``, which only the app's
own pages know (``GET /v1/auth/me`` and sign-in return it). Bearer credentials need none of this:
a browser never attaches them on its own.

A session is checked against the present on every request: its tenant must be the one it was
started in (same incarnation) and its user must still exist, and the user's current role decides
what it may do (``ROLE_SCOPES``); an operator session dies when the operator token is rotated.
A session that fails any of this is ended there and then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fastapi.security import APIKeyCookie
from starlette.requests import Request
from starlette.responses import Response

from api.deps import AdminDeps
from api.principals import ROLE_SCOPES, Operator, Principal, TenantCredential
from api.problems import CSRF_FAILED, NOT_SIGNED_IN, ApiProblem
from core.settings import Settings
from tenants import Tenant, TenantNotFound, User, UserNotFound
from tenants.web_sessions import ABSOLUTE, WebSession, operator_fingerprint

COOKIE: Final = "harde_session"
CSRF_HEADER: Final = "X-CSRF-Token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

session_cookie = APIKeyCookie(
    name=COOKIE,
    auto_error=False,
    scheme_name="session",
    description=(
        "The web app's session, set by `POST /v1/auth/sign-in`. Unsafe requests (POST, PUT, PATCH, "
        f"DELETE) it authenticates must also send `{CSRF_HEADER}` with the session's `csrf_token`."
    ),
)


@dataclass(frozen=True)
class SignedIn:
    """A live web session and who it is now: a person of ``tenant`` with their role, or the operator."""

    token: str
    session: WebSession
    principal: Principal
    tenant: Tenant | None = None
    user: User | None = None


async def signed_in(admin: AdminDeps, token: str) -> SignedIn | None:
    """The live session of a cookie's token, or None (ending a session whose person or tenant is gone)."""
    session = await admin.web_sessions.find(token)
    if session is None:
        return None
    if session.kind == "operator":
        configured = admin.settings.operator_token_hash
        if configured is not None and session.operator_credential == operator_fingerprint(configured):
            return SignedIn(token, session, Operator())
    elif (person := await _person(admin, session)) is not None:
        return person_signed_in(token, session, *person)
    await admin.web_sessions.end(token)
    return None


def person_signed_in(token: str, session: WebSession, tenant: Tenant, user: User) -> SignedIn:
    """A person's session as a principal: ``user:{id}`` with the scopes of their role."""
    principal = TenantCredential(
        tenant_id=tenant.id, scopes=ROLE_SCOPES[user.role], user_id=user.id, role=user.role,
        web_session=session.id,
    )  # fmt: skip
    return SignedIn(token, session, principal, tenant, user)


async def _person(admin: AdminDeps, session: WebSession) -> tuple[Tenant, User] | None:
    """The session's tenant and user as they are now, or None when either is gone (a tenant erased and
    made again under the same id is not the same tenant)."""
    assert session.tenant_id is not None and session.user_id is not None
    try:
        tenant = await admin.tenants.get_tenant(session.tenant_id)
        user = await admin.tenants.get_user(session.tenant_id, session.user_id)
    except (TenantNotFound, UserNotFound):
        return None
    return (tenant, user) if tenant.incarnation == session.tenant_incarnation else None


async def require_session(request: Request, admin: AdminDeps, token: str | None) -> SignedIn:
    """The request's live session, its CSRF token checked for unsafe methods; else the 401 or 403."""
    found = await signed_in(admin, token) if token else None
    if found is None:
        raise ApiProblem(
            NOT_SIGNED_IN,
            "You are not signed in, or your session ended (signed out, idle for 12 hours, 7 days old, "
            "or the account was removed). Sign in again.",
            headers={"Set-Cookie": cleared_cookie(admin.settings)},
        )
    check_csrf(request, found.session)
    return found


def check_csrf(request: Request, session: WebSession) -> None:
    """An unsafe request made with the cookie must carry the session's CSRF token; else the 403."""
    if request.method not in SAFE_METHODS and not session.csrf_matches(request.headers.get(CSRF_HEADER)):
        raise ApiProblem(
            CSRF_FAILED,
            f"Changes made with the session cookie must send the header {CSRF_HEADER} with the session's "
            "csrf_token (from GET /v1/auth/me). Reload the page and try again.",
        )


def set_cookie(response: Response, settings: Settings, token: str) -> None:
    """Give the browser the session cookie (it lasts as long as a session can)."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(ABSOLUTE.total_seconds()),
        path="/",
        secure=_secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(COOKIE, path="/", secure=_secure(settings), httponly=True, samesite="lax")


def cleared_cookie(settings: Settings) -> str:
    """The ``Set-Cookie`` header value that removes the session cookie (for a problem's headers)."""
    scratch = Response()
    clear_cookie(scratch, settings)
    return scratch.headers["set-cookie"]


def _secure(settings: Settings) -> bool:
    return not settings.public_url.startswith("http://")
