"""The people of a tenant who may talk to Hard-E: their phones (caller ID), role and PIN."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantAccess, tenant_access
from api.deps import Admin, AdminDeps
from api.principals import Operator
from api.problems import (
    EMAIL_TAKEN,
    LAST_OWNER,
    OWNER_ONLY,
    PHONE_TAKEN,
    PIN_TAKEN,
    TENANT_NOT_FOUND,
    USER_NOT_FOUND,
    USER_WITHOUT_EMAIL,
    ApiProblem,
    documented,
)
from api.routes.common import TENANT_AUTH_PROBLEMS, invalid
from tenants import Role, Scope, User
from tenants.password_links import Purpose, link_url

router = APIRouter(prefix="/v1/tenants/{tenant_id}/users", tags=["users"])

AdminAccess = Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]
UserIdPath = Annotated[str, Path(min_length=1, max_length=64, examples=["u_3f9a1c2b7d4e"])]
Pin = Annotated[
    str, Field(pattern=r"^[0-9]{4,8}$", description="4-8 digits, for callers from unknown numbers.")
]


class UserOut(BaseModel):
    id: str
    name: str
    phones: list[str] = Field(description="E.164 numbers this user calls from.")
    email: str | None
    role: Role
    has_pin: bool
    has_password: bool = Field(description="Whether they have chosen a password for the web app yet.")
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            name=user.name,
            phones=user.phones,
            email=user.email,
            role=user.role,
            has_pin=user.pin_hash is not None,
            has_password=user.password_hash is not None,
            created_at=user.created_at,
        )


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Mike Alvarez", "phones": ["+1 512 555 0102"], "role": "sales_rep", "pin": "2468"}
            ]
        },
    )

    name: str = Field(min_length=1, max_length=120)
    phones: list[str] = Field(default_factory=list, max_length=10, description="Any format; stored as E.164.")
    email: str | None = Field(None, max_length=254)
    role: Role = Role.SALES_REP
    pin: Pin | None = None


class UserPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"role": "manager"}, {"pin": None}]}
    )

    name: str | None = Field(None, min_length=1, max_length=120)
    phones: list[str] | None = Field(None, max_length=10)
    email: str | None = Field(None, max_length=254)
    role: Role | None = None
    pin: Pin | None = Field(None, description="A new PIN; `null` removes it.")


@router.get("", summary="List users", responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND))
async def list_users(admin: Admin, access: AdminAccess) -> list[UserOut]:
    await admin.tenants.get_tenant(access.tenant_id)
    return [UserOut.of(user) for user in await admin.tenants.list_users(access.tenant_id)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a user",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND, PHONE_TAKEN, PIN_TAKEN, EMAIL_TAKEN),
)
async def add_user(body: UserCreate, admin: Admin, access: AdminAccess) -> UserOut:
    try:
        user = User(
            tenant_id=access.tenant_id, name=body.name, phones=body.phones, email=body.email, role=body.role
        )
    except ValueError as error:
        raise invalid(error) from None
    user = await admin.tenants.add_user(user, pin=body.pin)
    await admin.audit.record(access.tenant_id, actor=access.actor, event="user.added", detail=user.id)
    return UserOut.of(user)


@router.get("/{user_id}", summary="Get a user", responses=documented(*TENANT_AUTH_PROBLEMS, USER_NOT_FOUND))
async def get_user(user_id: UserIdPath, admin: Admin, access: AdminAccess) -> UserOut:
    return UserOut.of(await admin.tenants.get_user(access.tenant_id, user_id))


@router.patch(
    "/{user_id}",
    summary="Change a user",
    description=(
        "Only the fields sent change. `phones` replaces the whole list. Only an owner (signed in) or "
        "the operator may make someone an owner or change an owner's role; the last owner keeps it."
    ),
    responses=documented(
        *TENANT_AUTH_PROBLEMS, OWNER_ONLY, USER_NOT_FOUND, PHONE_TAKEN, PIN_TAKEN, EMAIL_TAKEN, LAST_OWNER
    ),
)
async def update_user(user_id: UserIdPath, body: UserPatch, admin: Admin, access: AdminAccess) -> UserOut:
    sent = body.model_fields_set
    current = await admin.tenants.get_user(access.tenant_id, user_id)
    if body.role is not None and body.role is not current.role and Role.OWNER in (current.role, body.role):
        _owner_only(access, "make someone an owner or change an owner's role")
        if current.role is Role.OWNER:
            await _not_the_last_owner(admin, current, "change the role of")
    clearable = {"email"}  # null removes the email; null for the other fields means "no change"
    changes = {
        name: value
        for name in sent - {"pin"}
        if (value := getattr(body, name)) is not None or name in clearable
    }
    user = current
    if changes:
        try:
            user = await admin.tenants.update_user(access.tenant_id, user_id, **changes)
        except ValueError as error:
            raise invalid(error) from None
    if "pin" in sent:
        user = await admin.tenants.set_pin(access.tenant_id, user_id, body.pin)
    if sent:
        await admin.audit.record(
            access.tenant_id,
            actor=access.actor,
            event="user.updated",
            detail=f"{user_id}: {', '.join(sorted(sent))}",
        )
    return UserOut.of(user)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a user",
    description="Only an owner (signed in) or the operator may remove an owner, and never the last one.",
    responses=documented(*TENANT_AUTH_PROBLEMS, OWNER_ONLY, USER_NOT_FOUND, LAST_OWNER),
)
async def remove_user(user_id: UserIdPath, admin: Admin, access: AdminAccess) -> Response:
    user = await admin.tenants.get_user(access.tenant_id, user_id)
    if user.role is Role.OWNER:
        _owner_only(access, "remove an owner")
        await _not_the_last_owner(admin, user, "remove")
    await admin.tenants.remove_user(access.tenant_id, user_id)
    await admin.audit.record(access.tenant_id, actor=access.actor, event="user.removed", detail=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class SignInLink(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://voice.example.com/app/set-password?token=hdp_Q2hvb3NlIGEgcGFzc3dvcmQ",
                    "expires_at": "2026-05-08T14:00:00Z",
                    "purpose": "welcome",
                }
            ]
        }
    )

    url: str = Field(description="Give it to the person (it is not sent anywhere); it works once.")
    expires_at: datetime
    purpose: Purpose = Field(
        description="`welcome` (7 days) for someone without a password yet; `reset` (24 hours) otherwise."
    )


@router.post(
    "/{user_id}/sign-in-link",
    status_code=status.HTTP_201_CREATED,
    summary="Create a one-time sign-in link for a team member",
    description=(
        "Owners and managers (and the operator). The person opens the link, chooses a password and is "
        "signed in; the link works once, and replaces any earlier link of theirs. A welcome link (no "
        "password yet) lasts 7 days, a reset link 24 hours. The user needs an email address, which "
        "they sign in with. Only an owner (or the operator) can make a link for an owner."
    ),
    responses=documented(*TENANT_AUTH_PROBLEMS, OWNER_ONLY, USER_NOT_FOUND, USER_WITHOUT_EMAIL),
)
async def create_sign_in_link(user_id: UserIdPath, admin: Admin, access: AdminAccess) -> SignInLink:
    tenant = await admin.tenants.get_tenant(access.tenant_id)
    user = await admin.tenants.get_user(access.tenant_id, user_id)
    if user.email is None:
        raise ApiProblem(
            USER_WITHOUT_EMAIL,
            f"{user.name} has no email address, and people sign in with theirs. Add one "
            f"(PATCH /v1/tenants/{tenant.id}/users/{user.id}), then create the link.",
        )
    if user.role is Role.OWNER:
        _owner_only(access, "create a sign-in link for an owner (whoever holds it can choose their password)")
    purpose = Purpose.RESET if user.password_hash else Purpose.WELCOME
    token, link = await admin.password_links.create(tenant, user, purpose, created_by=access.actor)
    await admin.audit.record(
        tenant.id, actor=access.actor, event="user.sign_in_link", detail=f"{user.id}: {purpose} {link.id}"
    )
    url = link_url(admin.settings.public_url, token)
    return SignInLink(url=url, expires_at=link.expires_at, purpose=purpose)


def _owner_only(access: TenantAccess, what: str) -> None:
    """Only a signed-in owner or the operator may ``what``: not a manager, and not an API key (which
    a manager can make), so nobody below an owner can take the company from its owners."""
    if isinstance(access.principal, Operator) or access.principal.role is Role.OWNER:
        return
    raise ApiProblem(
        OWNER_ONLY, f"Only an owner (signed in) or the operator can {what}. Ask an owner of your company."
    )


async def _not_the_last_owner(admin: AdminDeps, owner: User, what: str) -> None:
    """A company keeps at least one owner: the 409 when ``owner`` is the only one."""
    owners = [user for user in await admin.tenants.list_users(owner.tenant_id) if user.role is Role.OWNER]
    if [user.id for user in owners] == [owner.id]:
        raise ApiProblem(
            LAST_OWNER,
            f"{owner.name} is the company's only owner, so you cannot {what} them: the company would "
            "have nobody who can manage its owners. Make someone else an owner first.",
        )
