"""All configuration, read once from the environment (and an optional ``.env``).

Settings are validated at start-up so a typo fails fast with the variable's name and what it
expects, instead of surfacing as a confusing error in the middle of a call.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LEAP_PRODUCTION_URL = "https://api.jobprogress.com/api/v3"
_OPERATOR_HASH = re.compile(r"^sha256:[0-9a-f]{64}$")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    AUTO = "auto"
    JSON = "json"
    TEXT = "text"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every knob Hard-E reads. The field's alias is the environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True, frozen=True)

    env: Environment = Field(Environment.DEVELOPMENT, validation_alias=_env("HARDE_ENV"))
    var_dir: Path = Field(Path("var"), validation_alias=_env("HARDE_VAR_DIR"))
    public_url: str = Field("http://localhost:8000", validation_alias=_env("HARDE_PUBLIC_URL"))
    log_level: str = Field("INFO", validation_alias=_env("HARDE_LOG_LEVEL"))
    log_format: LogFormat = Field(LogFormat.AUTO, validation_alias=_env("HARDE_LOG_FORMAT"))

    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))

    s3_bucket: str | None = Field(None, validation_alias=_env("HARDE_S3_BUCKET"))
    s3_region: str | None = Field(None, validation_alias=_env("HARDE_S3_REGION"))
    s3_endpoint_url: str | None = Field(None, validation_alias=_env("HARDE_S3_ENDPOINT_URL"))

    secret_keys: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias=_env("HARDE_SECRET_KEYS"))

    anthropic_api_key: SecretStr | None = Field(None, validation_alias=_env("ANTHROPIC_API_KEY"))
    anthropic_base_url: str | None = Field(None, validation_alias=_env("ANTHROPIC_BASE_URL"))
    deepgram_api_key: SecretStr | None = Field(None, validation_alias=_env("DEEPGRAM_API_KEY"))
    deepgram_url: str | None = Field(None, validation_alias=_env("DEEPGRAM_URL"))
    cartesia_api_key: SecretStr | None = Field(None, validation_alias=_env("CARTESIA_API_KEY"))
    cartesia_url: str | None = Field(None, validation_alias=_env("CARTESIA_URL"))
    cartesia_voice: str = Field(
        "71a7ad14-091c-4e8e-a314-022ece01c121", validation_alias=_env("CARTESIA_VOICE")
    )  # a Cartesia stock voice; tenants may choose their own
    twilio_account_sid: str | None = Field(None, validation_alias=_env("TWILIO_ACCOUNT_SID"))
    twilio_auth_token: SecretStr | None = Field(None, validation_alias=_env("TWILIO_AUTH_TOKEN"))
    twilio_api_base_url: str | None = Field(None, validation_alias=_env("TWILIO_API_BASE_URL"))

    leap_base_url: str = Field(LEAP_PRODUCTION_URL, validation_alias=_env("LEAP_BASE_URL"))

    operator_token_hash: str | None = Field(None, validation_alias=_env("HARDE_OPERATOR_TOKEN_HASH"))
    api_key_rate_per_minute: int = Field(
        120, ge=1, le=100_000, validation_alias=_env("HARDE_API_KEY_RATE_PER_MINUTE")
    )
    api_tenant_rate_per_minute: int = Field(
        240, ge=1, le=100_000, validation_alias=_env("HARDE_API_TENANT_RATE_PER_MINUTE")
    )
    web_session_rate_per_minute: int = Field(
        600, ge=1, le=100_000, validation_alias=_env("HARDE_WEB_SESSION_RATE_PER_MINUTE")
    )  # one signed-in person, all their tabs: a console page load sends a few dozen requests at once
    web_tenant_rate_per_minute: int = Field(
        1800, ge=1, le=100_000, validation_alias=_env("HARDE_WEB_TENANT_RATE_PER_MINUTE")
    )  # all of one tenant's signed-in people together, beside (not inside) the keys' tenant bucket
    widget_session_max_hours: float = Field(
        24, gt=0, le=720, validation_alias=_env("HARDE_WIDGET_SESSION_MAX_HOURS")
    )  # a widget token and every refresh of it, together; then the person signs in again
    auth_failures_per_window: int = Field(
        20, ge=1, le=100_000, validation_alias=_env("HARDE_AUTH_FAILURES_PER_WINDOW")
    )  # failed sign-ins one client address may make in 15 minutes before it is refused
    sign_in_failures_per_account: int = Field(
        10, ge=1, le=100_000, validation_alias=_env("HARDE_SIGN_IN_FAILURES_PER_ACCOUNT")
    )  # wrong passwords for one email in 15 minutes, from anywhere, before it is refused

    # Reading one knowledge upload (in a worker process; see kb.ReadingLimits).
    kb_reading_cpu_seconds: int = Field(
        60, ge=1, le=3600, validation_alias=_env("HARDE_KB_READING_CPU_SECONDS")
    )
    kb_reading_memory_mb: int = Field(
        512, ge=64, le=65_536, validation_alias=_env("HARDE_KB_READING_MEMORY_MB")
    )
    kb_reading_wall_seconds: float = Field(
        120.0, gt=0, le=3600, validation_alias=_env("HARDE_KB_READING_WALL_SECONDS")
    )
    kb_reading_workers: int = Field(8, ge=1, le=64, validation_alias=_env("HARDE_KB_READING_WORKERS"))
    kb_uploads_per_tenant: int = Field(2, ge=1, le=64, validation_alias=_env("HARDE_KB_UPLOADS_PER_TENANT"))

    stun_urls: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias=_env("HARDE_STUN_URLS"))
    turn_urls: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias=_env("HARDE_TURN_URLS"))
    turn_secret: SecretStr | None = Field(None, validation_alias=_env("HARDE_TURN_SECRET"))
    turn_ttl_seconds: int = Field(
        6 * 3600, ge=60, le=7 * 24 * 3600, validation_alias=_env("HARDE_TURN_TTL_SECONDS")
    )
    webrtc_sessions_per_tenant: int = Field(
        20, ge=1, le=10_000, validation_alias=_env("HARDE_WEBRTC_SESSIONS_PER_TENANT")
    )
    webrtc_sessions_per_user: int = Field(
        2, ge=1, le=100, validation_alias=_env("HARDE_WEBRTC_SESSIONS_PER_USER")
    )
    webrtc_connect_timeout_seconds: float = Field(
        20.0, gt=0, le=300, validation_alias=_env("HARDE_WEBRTC_CONNECT_TIMEOUT_SECONDS")
    )

    @field_validator("secret_keys", "stun_urls", "turn_urls", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("public_url", "leap_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("stun_urls")
    @classmethod
    def _stun_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not url.startswith(("stun:", "stuns:")):
                raise ValueError(f"each entry must start with stun: or stuns: ({url!r} does not)")
        return value

    @field_validator("turn_urls")
    @classmethod
    def _turn_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not url.startswith(("turn:", "turns:")):
                raise ValueError(f"each entry must start with turn: or turns: ({url!r} does not)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("operator_token_hash")
    @classmethod
    def _operator_hash(cls, value: str | None) -> str | None:
        if value and not _OPERATOR_HASH.match(value):
            raise ValueError(
                "must look like 'sha256:<64 hex digits>' (create one with `harde operator-token`)"
            )
        return value or None

    @model_validator(mode="after")
    def _production_needs_keys(self) -> Settings:
        if self.env is Environment.PRODUCTION and not self.secret_keys:
            raise ValueError(
                "HARDE_SECRET_KEYS is required when HARDE_ENV=production "
                "(generate one with `harde secret-key`)"
            )
        return self

    @model_validator(mode="after")
    def _turn_needs_secret(self) -> Settings:
        if self.turn_urls and self.turn_secret is None:
            raise ValueError(
                "HARDE_TURN_URLS needs HARDE_TURN_SECRET (coturn's static-auth-secret), "
                "from which browsers get time-limited TURN credentials"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def blob_dir(self) -> Path:
        return self.var_dir / "blobs"


class SettingsError(Exception):
    """Configuration is invalid; the message names each variable and what it expects."""


_SECRET_FIELDS = frozenset(
    {
        "secret_keys",
        "anthropic_api_key",
        "deepgram_api_key",
        "cartesia_api_key",
        "twilio_auth_token",
        "turn_secret",
    }
)


def _alias_of(field_name: str) -> str:
    field = Settings.model_fields.get(field_name)
    alias = field.validation_alias if field else None
    if isinstance(alias, AliasChoices) and alias.choices:
        return str(alias.choices[0])
    return field_name.upper()


def describe_validation_error(error: ValidationError) -> str:
    """Turn pydantic's error list into lines a person can act on."""
    lines = []
    for item in error.errors():
        location = item["loc"][0] if item["loc"] else None
        variable = _alias_of(str(location)) if location else "configuration"
        message = str(item["msg"]).removeprefix("Value error, ")
        got = item.get("input")
        secret = location in _SECRET_FIELDS
        suffix = f" (got {got!r})" if location and not secret and isinstance(got, str | int) else ""
        lines.append(f"{variable}: {message}{suffix}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def load_settings() -> Settings:
    """Read settings from the environment, raising ``SettingsError`` with readable text."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
