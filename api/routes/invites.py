"""Invite links: the operator creates them with trial limits; redeeming one starts a trial tenant."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.auth import OperatorOnly
from api.deps import Admin
from api.problems import (
    BAD_REQUEST,
    EMAIL_TAKEN,
    INVITE_EXPIRED,
    INVITE_NOT_FOUND,
    INVITE_REVOKED,
    INVITE_USED,
    OPERATOR_ONLY,
    RATE_LIMITED,
    TENANT_EXISTS,
    VALIDATION_ERROR,
    documented,
)
from api.routes.auth import NewPasswordStr, sign_in_as
from api.routes.common import AUTH_PROBLEMS
from api.routes.widget_tokens import WidgetToken, issue
from api.views import Me, TenantOut
from tenants.invites import Invite, InviteError, InviteExpired, InviteNotFound, InviteRevoked, InviteUsed
from tenants.models import check_email, utcnow

router = APIRouter(prefix="/v1/invites", tags=["invites"])

_REFUSALS = {
    InviteNotFound: INVITE_NOT_FOUND,
    InviteUsed: INVITE_USED,
    InviteExpired: INVITE_EXPIRED,
    InviteRevoked: INVITE_REVOKED,
}


class InviteCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"trial_days": 14, "max_messages": 200, "max_voice_minutes": 60, "note": "Roofing expo"}
            ]
        },
    )

    expires_at: datetime | None = Field(None, description="When the link stops working; default: in 30 days.")
    trial_days: int = Field(
        14, ge=1, le=365, description="How long the trial lasts after the link is redeemed."
    )
    max_messages: int | None = Field(200, ge=0, le=1_000_000, description="Typed messages; null = unlimited.")
    max_voice_minutes: int | None = Field(
        60, ge=0, le=100_000, description="Voice minutes; null = unlimited."
    )
    note: str = Field("", max_length=200, description="For the operator: who the invite is for.")

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is not None and (value.tzinfo is None or value <= utcnow()):
            raise ValueError("must be a future time with a time zone, e.g. 2026-01-01T00:00:00Z")
        return value


class InviteOut(BaseModel):
    id: str
    prefix: str = Field(description="The code's first characters, to recognise it.")
    note: str
    created_at: datetime
    expires_at: datetime
    trial_days: int
    max_messages: int | None
    max_voice_minutes: int | None
    revoked_at: datetime | None
    redeemed_at: datetime | None
    tenant_id: str | None = Field(description="The trial tenant the invite created, once redeemed.")

    @classmethod
    def of(cls, invite: Invite) -> InviteOut:
        return cls(**invite.model_dump(exclude={"created_by"}))


class InviteCreated(InviteOut):
    code: str = Field(description="The secret code (`hdi_...`). Shown only now.")
    url: str = Field(description="The link to send: the web app's welcome page, which redeems the code.")


class InvitePreview(BaseModel):
    """What an invite offers, shown before the sign-up form."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "trial_days": 14,
                    "max_messages": 200,
                    "max_voice_minutes": 60,
                    "expires_at": "2026-06-01T00:00:00Z",
                }
            ]
        }
    )

    trial_days: int = Field(description="How long the trial lasts once redeemed.")
    max_messages: int | None = Field(description="Typed messages in the trial; null = unlimited.")
    max_voice_minutes: int | None = Field(description="Voice minutes in the trial; null = unlimited.")
    expires_at: datetime = Field(description="When the link stops working if nobody redeems it.")


class Redemption(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "hdi_Zm9vYmFyYmF6cXV4",
                    "company_name": "Peak Roofing",
                    "your_name": "Sam Ortiz",
                    "email": "sam@peak.example",
                    "password": "three green ladders",
                }
            ]
        },
    )

    code: str = Field(min_length=8, max_length=100)
    company_name: str = Field(min_length=1, max_length=120)
    your_name: str = Field(min_length=1, max_length=120)
    email: str | None = Field(None, max_length=254, description="Required with `password`: it signs in.")
    password: NewPasswordStr | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return check_email(value) if value else None

    @model_validator(mode="after")
    def _email_to_sign_in_with(self) -> Redemption:
        if self.password is not None and self.email is None:
            raise ValueError("email: an email address is needed with a password, to sign in with")
        return self


class Redeemed(BaseModel):
    tenant: TenantOut
    user_id: str = Field(description="The new tenant's owner: the person who redeemed the invite.")
    widget: WidgetToken
    me: Me | None = Field(
        description="With a password: the owner is signed in (the session cookie is set); else null."
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an invite link",
    responses=documented(*AUTH_PROBLEMS, OPERATOR_ONLY),
)
async def create_invite(body: InviteCreate, admin: Admin, operator: OperatorOnly) -> InviteCreated:
    invite, code = await admin.invites.create(
        created_by=operator.actor,
        expires_at=body.expires_at or utcnow() + timedelta(days=30),
        trial_days=body.trial_days,
        max_messages=body.max_messages,
        max_voice_minutes=body.max_voice_minutes,
        note=body.note,
    )
    url = f"{admin.settings.public_url}/app/welcome?invite={code}"
    return InviteCreated(**InviteOut.of(invite).model_dump(), code=code, url=url)


@router.get("", summary="List invites", responses=documented(*AUTH_PROBLEMS, OPERATOR_ONLY))
async def list_invites(admin: Admin, operator: OperatorOnly) -> list[InviteOut]:
    return [InviteOut.of(invite) for invite in await admin.invites.list_invites()]


@router.delete(
    "/{invite_id}",
    summary="Revoke an invite",
    description="The link stops working. A trial already started from it is not affected.",
    responses=documented(*AUTH_PROBLEMS, OPERATOR_ONLY, INVITE_NOT_FOUND),
)
async def revoke_invite(
    invite_id: Annotated[str, Path(min_length=1, max_length=64, examples=["inv_7c1d2e3f4a5b"])],
    admin: Admin,
    operator: OperatorOnly,
) -> InviteOut:
    return InviteOut.of(await admin.invites.revoke(invite_id))


@router.get(
    "/lookup",
    summary="What an invite offers, before redeeming it",
    description=(
        "No credential needed: the code is the credential. For the welcome page, before the form: the "
        "trial's length and limits, or why the link no longer works. Refused codes count as failed "
        "credentials for the client's address, as on redemption."
    ),
    responses=documented(
        VALIDATION_ERROR, INVITE_NOT_FOUND, INVITE_USED, INVITE_EXPIRED, INVITE_REVOKED, RATE_LIMITED
    ),
    openapi_extra={"security": []},
)
async def lookup_invite(
    code: Annotated[
        str, Query(min_length=8, max_length=100, description="The invite code (`hdi_...`) from the link.")
    ],
    admin: Admin,
    request: Request,
) -> InvitePreview:
    await admin.auth_failures.check(request)
    try:
        invite = await admin.invites.lookup(code)
    except InviteError as refused:
        await admin.auth_failures.record(request, "invite code", _REFUSALS[type(refused)].slug)
        raise
    return InvitePreview(
        trial_days=invite.trial_days,
        max_messages=invite.max_messages,
        max_voice_minutes=invite.max_voice_minutes,
        expires_at=invite.expires_at,
    )


@router.post(
    "/redeem",
    status_code=status.HTTP_201_CREATED,
    summary="Redeem an invite: start a trial",
    description=(
        "No credential needed: the code is the credential, and it works once. Creates a trial tenant "
        "on the sandbox CRM (demo data) with the invite's limits, its owner, and a widget token to "
        "start talking at once. With `password` (and `email`), the owner's account gets it and is "
        "signed in: the session cookie is set and `me` says so."
    ),
    responses=documented(
        BAD_REQUEST,
        VALIDATION_ERROR,
        INVITE_NOT_FOUND,
        INVITE_USED,
        INVITE_EXPIRED,
        INVITE_REVOKED,
        TENANT_EXISTS,
        EMAIL_TAKEN,
        RATE_LIMITED,
    ),
    openapi_extra={"security": []},
)
async def redeem_invite(body: Redemption, admin: Admin, request: Request, response: Response) -> Redeemed:
    await admin.auth_failures.check(request)  # the code is a credential: guessing is throttled too
    try:
        signup = await admin.invites.redeem(
            body.code,
            admin.tenants,
            company=body.company_name,
            name=body.your_name,
            email=body.email,
            password=body.password,
        )
    except InviteError as refused:
        await admin.auth_failures.record(request, "invite code", _REFUSALS[type(refused)].slug)
        raise
    await admin.audit.record(signup.tenant.id, actor="invite", event="invite.redeemed", detail=signup.user.id)
    widget = await issue(
        admin,
        signup.tenant,
        role=signup.user.role,
        user_id=signup.user.id,
        ttl=timedelta(hours=12),
        actor=f"user:{signup.user.id}",
    )
    me = await sign_in_as(admin, response, signup.tenant, signup.user) if body.password else None
    return Redeemed(tenant=TenantOut.of(signup.tenant), user_id=signup.user.id, widget=widget, me=me)
