"""What a tenant (one contracting company) and its users are."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from core import claude_models
from core.keys import is_tenant_id
from tenants.phones import normalize_phone

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


def check_tenant_id(value: str) -> str:
    if not is_tenant_id(value):
        raise ValueError("tenant id must be 2-40 characters of lowercase letters, digits and '-'")
    return value


def check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value.lower()


TenantId = Annotated[str, AfterValidator(check_tenant_id)]
PhoneNumber = Annotated[str, AfterValidator(normalize_phone)]
Email = Annotated[str, AfterValidator(check_email)]
Trade = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
"""One line of work a company does ("roofing", "siding"), in its own words."""


class Role(StrEnum):
    """What a caller may reach; the brain's role matrix reads this."""

    OWNER = "owner"
    MANAGER = "manager"
    SALES_REP = "sales_rep"
    CREW = "crew"
    READ_ONLY = "read_only"


class Scope(StrEnum):
    """What an API key may do; the brain's policy checks the two tool scopes for keys, as roles for people."""

    TOOLS_READ = "tools:read"
    TOOLS_WRITE = "tools:write"
    KNOWLEDGE = "knowledge"
    CONVERSATIONS = "conversations"
    ADMIN = "admin"


class UnknownCallerPolicy(StrEnum):
    """What happens when a number that belongs to no user calls the tenant."""

    PIN = "pin"  # ask for a user's PIN (keypad or voice)
    READ_ONLY = "read_only"  # talk, but only read tools
    REFUSE = "refuse"  # a polite refusal, then hang up


class CrmMode(StrEnum):
    """Which Leap the tenant works: the real one, or the built-in sandbox (demo and trial tenants)."""

    LEAP = "leap"
    SANDBOX = "sandbox"


class TurnStrategy(StrEnum):
    SMART_TURN = "smart_turn"
    SPEECH_TIMEOUT = "speech_timeout"


class VoiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tts_voice: str | None = Field(None, description="Cartesia voice id; the deployment default when unset.")
    turn_strategy: TurnStrategy = TurnStrategy.SMART_TURN
    turn_stop_secs: float = Field(0.8, ge=0.2, le=5.0, description="Silence before a turn may end.")
    max_call_minutes: int = Field(30, ge=1, le=240)
    vocabulary: list[str] = Field(default_factory=list, description="Extra words the STT should expect.")


class ModelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    voice_model: str = claude_models.VOICE_MODEL
    text_model: str = claude_models.TEXT_MODEL
    fallback_model: str = claude_models.FALLBACK_MODEL

    def without_retired(self, today: date) -> ModelSettings:
        """These settings with each retired model replaced by the current default for its slot."""
        defaults = ModelSettings()
        retired = {
            slot: getattr(defaults, slot)
            for slot in type(self).model_fields
            if claude_models.lifecycle(getattr(self, slot), today) is claude_models.Lifecycle.RETIRED
        }
        return self.model_copy(update=retired)


class TrialLimits(BaseModel):
    """Limits of a trial tenant; ``None`` means unlimited."""

    model_config = ConfigDict(extra="forbid")

    expires_at: datetime | None = None
    max_messages: int | None = Field(None, ge=0)
    max_voice_minutes: int | None = Field(None, ge=0)


class Tenant(BaseModel):
    """A contracting company. Its Leap token is stored separately, encrypted."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    id: TenantId
    name: str = Field(min_length=1, max_length=120)
    timezone: str = "America/Chicago"
    soul_document: str = Field("", max_length=50_000, description="Personality and rules; empty = default.")
    trades: list[Trade] = Field(
        default_factory=list, max_length=12, description="What the company does: roofing, siding, gutters..."
    )
    voice: VoiceSettings = Field(default_factory=VoiceSettings)
    models: ModelSettings = Field(default_factory=ModelSettings)
    unknown_caller_policy: UnknownCallerPolicy = UnknownCallerPolicy.PIN
    office_phone: PhoneNumber | None = Field(None, description="Where 'transfer me to the office' goes.")
    trial: TrialLimits | None = None
    crm: CrmMode = CrmMode.LEAP
    leap_token_set: bool = False
    leap_verified_at: datetime | None = None
    incarnation: str = Field(
        "",
        description=(
            "Random, set by the store when the tenant is created: credentials carry it, so none of them "
            "outlives this tenant or works for a later one created under the same id."
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like 'America/Denver'") from None
        return value


class User(BaseModel):
    """A person at a tenant who may talk to Hard-E."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    id: str = Field(default_factory=lambda: new_id("u_"))
    tenant_id: TenantId
    name: str = Field(min_length=1, max_length=120)
    phones: list[PhoneNumber] = Field(default_factory=list)
    email: Email | None = None
    role: Role = Role.SALES_REP
    pin_hash: str | None = Field(None, repr=False)
    pin_index: str | None = Field(None, repr=False)
    """The keyed digest the PIN is found by (None for a PIN set before PINs were indexed)."""
    password_hash: str | None = Field(None, repr=False)
    """argon2id of the password the person signs in to the web app with; None until they choose one."""
    created_at: datetime = Field(default_factory=utcnow)

    @field_validator("phones")
    @classmethod
    def _unique_phones(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))
