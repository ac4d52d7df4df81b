"""Signing in to the web app: people with their email and password, the operator with the operator
token; who is signed in; signing out here or everywhere; and one-time password links.

Sign-in answers the same 401 for a wrong email and a wrong password, spends the same time on both
(``tenants.passwords``), and is throttled per client address and per email (``auth_failures``).
A trial whose time is up still signs in: the console stays reachable, while conversations and
tools keep refusing with the trial's own problem.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.auth import CurrentSession, SessionCookie
from api.deps import Admin, AdminDeps
from api.operator import is_operator_token
from api.principals import Operator
from api.problems import (
    BAD_REQUEST,
    CSRF_FAILED,
    INVALID_CREDENTIALS,
    NOT_SIGNED_IN,
    OPERATOR_NOT_CONFIGURED,
    PASSWORD_LINK_EXPIRED,
    PASSWORD_LINK_NOT_FOUND,
    PASSWORD_LINK_USED,
    RATE_LIMITED,
    USER_WITHOUT_EMAIL,
    VALIDATION_ERROR,
    ApiProblem,
    documented,
)
from api.views import Me
from api.web_sessions import (
    SignedIn,
    check_csrf,
    clear_cookie,
    person_signed_in,
    set_cookie,
    signed_in,
)
from tenants import Tenant, TenantNotFound, User, UserNotFound
from tenants.password_links import LinkNotFound, PasswordLink, Purpose
from tenants.passwords import MAX_LENGTH, MIN_LENGTH, verify_password

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/auth", tags=["sign-in"])

PUBLIC: dict[str, Any] = {"security": []}  # no credential: what these routes are sent is the credential

LinkToken = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        description="The token of a one-time password link (`hdp_...`), from its URL.",
        examples=["hdp_Q2hvb3NlIGEgcGFzc3dvcmQgZm9yIEhhcmQtRQ"],
    ),
]
NewPasswordStr = Annotated[
    str,
    StringConstraints(min_length=MIN_LENGTH, max_length=MAX_LENGTH),
    Field(description=f"At least {MIN_LENGTH} characters; a short sentence is easy to remember."),
]


class SignIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"email": "sam@peak.example", "password": "three green ladders"}]},
    )

    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)


class OperatorSignIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"token": "hdo_b3BlcmF0b3ItdG9rZW4tZXhhbXBsZS1vbmx5"}]},
    )

    token: str = Field(min_length=1, max_length=200, description="The operator token (`hdo_...`).")


class NewPassword(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"password": "three green ladders"}]}
    )

    password: NewPasswordStr


class PasswordLinkInfo(BaseModel):
    """Who a password link is for, so the page can greet them before they choose a password."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Mike Alvarez",
                    "email": "mike@peak.example",
                    "company": "Peak Roofing",
                    "purpose": "welcome",
                    "expires_at": "2026-05-08T14:00:00Z",
                }
            ]
        }
    )

    name: str
    email: str
    company: str
    purpose: Purpose = Field(description="`welcome`: a first password; `reset`: a new one.")
    expires_at: datetime


async def sign_in_as(admin: AdminDeps, response: Response, tenant: Tenant, user: User) -> Me:
    """Start a session for ``user``, give the browser its cookie, and say who is signed in."""
    token, session = await admin.web_sessions.start_user(tenant, user)
    set_cookie(response, admin.settings, token)
    await admin.audit.record(tenant.id, actor=f"user:{user.id}", event="user.signed_in", detail=session.id)
    return Me.of(person_signed_in(token, session, tenant, user))


@router.post(
    "/sign-in",
    summary="Sign in with email and password",
    description=(
        "Starts a session and sets the `harde_session` cookie (HttpOnly, SameSite=Lax, Secure outside "
        "development; idle expiry 12 h, at most 7 days). A wrong email and a wrong password get the "
        "same 401. Throttled per client address and per email: 429 with `Retry-After`."
    ),
    responses=documented(BAD_REQUEST, VALIDATION_ERROR, INVALID_CREDENTIALS, RATE_LIMITED),
    openapi_extra=PUBLIC,
)
async def sign_in(body: SignIn, request: Request, response: Response, admin: Admin) -> Me:
    await admin.auth_failures.check(request)
    await admin.auth_failures.check_account(body.email)
    user = await admin.tenants.find_user_by_email(body.email)
    stored = user.password_hash if user else None
    if user is None or not await asyncio.to_thread(verify_password, body.password, stored):
        await admin.auth_failures.record(request, "password", INVALID_CREDENTIALS.slug)
        account = f"user {user.id} of {user.tenant_id}" if user else "an email with no account"
        await admin.auth_failures.record_account(request, body.email, account)
        raise ApiProblem(
            INVALID_CREDENTIALS,
            "Wrong email or password. Check both and try again; if you have no password yet or forgot "
            "it, ask an owner or manager of your company for a sign-in link.",
        )
    await admin.auth_failures.clear_account(body.email)
    return await sign_in_as(admin, response, await admin.tenants.get_tenant(user.tenant_id), user)


@router.post(
    "/operator-sign-in",
    summary="Sign in as the operator",
    description=(
        "With the operator token (`hdo_...`): starts an operator session (the same cookie), which "
        "ends when the operator token is rotated. Throttled per client address like any credential."
    ),
    responses=documented(
        BAD_REQUEST, VALIDATION_ERROR, INVALID_CREDENTIALS, OPERATOR_NOT_CONFIGURED, RATE_LIMITED
    ),
    openapi_extra=PUBLIC,
)
async def operator_sign_in(body: OperatorSignIn, request: Request, response: Response, admin: Admin) -> Me:
    await admin.auth_failures.check(request)
    configured = admin.settings.operator_token_hash
    if configured is None:
        raise ApiProblem(
            OPERATOR_NOT_CONFIGURED,
            "This deployment has no operator token. Set HARDE_OPERATOR_TOKEN_HASH (create one with "
            "`harde operator-token`) and restart.",
        )
    if not is_operator_token(body.token, configured):
        await admin.auth_failures.record(request, "operator token", INVALID_CREDENTIALS.slug)
        raise ApiProblem(INVALID_CREDENTIALS, "This is not the operator token. Check it and try again.")
    token, session = await admin.web_sessions.start_operator(configured)
    set_cookie(response, admin.settings, token)
    log.info("the operator signed in to the web app (session %s)", session.id)
    return Me.of(SignedIn(token, session, Operator()))


@router.get(
    "/me",
    summary="Who is signed in",
    description="The session's person (or the operator), their company, what they may do, the CSRF token.",
    responses=documented(NOT_SIGNED_IN, RATE_LIMITED),
)
async def me(signed: CurrentSession) -> Me:
    return Me.of(signed)


@router.post(
    "/sign-out",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out",
    description=(
        "Ends this session and clears the cookie. Answers 204 even when the session had already "
        "ended; a live session's request must carry `X-CSRF-Token`."
    ),
    responses=documented(CSRF_FAILED, RATE_LIMITED),
)
async def sign_out(request: Request, admin: Admin, cookie: SessionCookie) -> Response:
    found = await signed_in(admin, cookie) if cookie else None
    if found is not None:
        check_csrf(request, found.session)
        await admin.web_sessions.end(found.token)
        await _audit(admin, found, "user.signed_out")
    return _signed_out(admin)


@router.post(
    "/sign-out-everywhere",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out on every device",
    description="Ends every session of this person (or of the operator), this one included.",
    responses=documented(NOT_SIGNED_IN, CSRF_FAILED, RATE_LIMITED),
)
async def sign_out_everywhere(signed: CurrentSession, admin: Admin) -> Response:
    ended = await admin.web_sessions.end_everywhere(signed.session)
    await _audit(admin, signed, "user.signed_out_everywhere", f"{ended} sessions")
    return _signed_out(admin)


def _signed_out(admin: AdminDeps) -> Response:
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_cookie(response, admin.settings)
    return response


async def _audit(admin: AdminDeps, signed: SignedIn, event: str, detail: str | None = None) -> None:
    """A person's sign-out goes in their tenant's audit log; the operator's in the log."""
    if signed.tenant is not None and signed.user is not None:
        await admin.audit.record(
            signed.tenant.id, actor=f"user:{signed.user.id}", event=event, detail=detail or signed.session.id
        )
    else:
        log.info("the operator: %s (session %s)", event, signed.session.id)


@router.get(
    "/password-links/{token}",
    summary="Who a password link is for",
    description=(
        "For the set-password page, before the person types anything. A used or expired link answers "
        "410 with what to do; an unknown one 404 (and counts as a failed credential for the address)."
    ),
    responses=documented(
        VALIDATION_ERROR,
        PASSWORD_LINK_NOT_FOUND,
        USER_WITHOUT_EMAIL,
        PASSWORD_LINK_USED,
        PASSWORD_LINK_EXPIRED,
        RATE_LIMITED,
    ),
    openapi_extra=PUBLIC,
)
async def password_link(token: LinkToken, request: Request, admin: Admin) -> PasswordLinkInfo:
    link, tenant, user = await _usable_link(admin, request, token)
    assert user.email is not None
    return PasswordLinkInfo(
        name=user.name,
        email=user.email,
        company=tenant.name,
        purpose=link.purpose,
        expires_at=link.expires_at,
    )


@router.post(
    "/password-links/{token}",
    summary="Choose a password with a one-time link",
    description=(
        "Sets the person's password, spends the link (it works once), ends the person's other "
        "sessions, and signs them in here (sets the cookie)."
    ),
    responses=documented(
        BAD_REQUEST,
        VALIDATION_ERROR,
        PASSWORD_LINK_NOT_FOUND,
        USER_WITHOUT_EMAIL,
        PASSWORD_LINK_USED,
        PASSWORD_LINK_EXPIRED,
        RATE_LIMITED,
    ),
    openapi_extra=PUBLIC,
)
async def use_password_link(
    token: LinkToken, body: NewPassword, request: Request, response: Response, admin: Admin
) -> Me:
    link, tenant, user = await _usable_link(admin, request, token)
    await admin.password_links.consume(token)
    user = await admin.tenants.set_password(tenant.id, user.id, body.password)
    await admin.audit.record(
        tenant.id, actor=f"user:{user.id}", event="user.password_set", detail=f"{link.purpose} link {link.id}"
    )
    return await sign_in_as(admin, response, tenant, user)


async def _usable_link(admin: AdminDeps, request: Request, token: str) -> tuple[PasswordLink, Tenant, User]:
    """The link (not used, not expired), its tenant and its person; the matching problem otherwise."""
    await admin.auth_failures.check(request)
    try:
        link = await admin.password_links.peek(token)
    except LinkNotFound:
        await admin.auth_failures.record(request, "password link", PASSWORD_LINK_NOT_FOUND.slug)
        raise
    person = await _account(admin, link)
    if person is None:
        raise LinkNotFound("the account this link was made for no longer exists; ask for a new link")
    tenant, user = person
    if user.email is None:
        raise ApiProblem(
            USER_WITHOUT_EMAIL,
            "This account has no email address to sign in with. Ask an owner or manager to add one, then "
            "to send you a new link.",
        )
    return link, tenant, user


async def _account(admin: AdminDeps, link: PasswordLink) -> tuple[Tenant, User] | None:
    """The tenant and person a link was made for, or None when either is gone since."""
    try:
        tenant = await admin.tenants.get_tenant(link.tenant_id)
        user = await admin.tenants.get_user(link.tenant_id, link.user_id)
    except (TenantNotFound, UserNotFound):
        return None
    return (tenant, user) if tenant.incarnation == link.tenant_incarnation else None
