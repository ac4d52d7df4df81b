"""Logging that a person on call can read and that never prints a secret.

- JSON lines in production (or when ``HARDE_LOG_FORMAT=json``), short readable lines in a terminal.
- ``request_id`` / ``session_id`` / ``tenant_id`` from context variables on every line, so one call
  or one request can be followed with a grep.
- A redaction pass over every record: known secret values (registered at start-up and whenever a
  secret is decrypted) and token-shaped strings (Bearer headers, API keys) become ``[REDACTED]``.
- Pipecat logs through loguru; those records are routed into the same handlers, so they get the
  same format and the same redaction.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from core.settings import LogFormat, Settings

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
session_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("session_id", default=None)
tenant_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("tenant_id", default=None)

REDACTED = "[REDACTED]"
_MIN_SECRET_LENGTH = 6
_TOKEN_PATTERNS = re.compile(
    r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"  # Authorization headers
    r"|\b(hd[eowisp]_[A-Za-z0-9_-]{8,})"  # our keys, operator/widget/invite/session/link tokens
    r"|\b(sandbox_[A-Za-z0-9_-]{8,})"  # Leap sandbox tokens
    r"|\b(sk-ant-[A-Za-z0-9_-]{8,})"  # Anthropic keys
    r"|\b(hs1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{16,})"  # our ciphertexts
)


class _SecretRegistry:
    """Exact secret values to scrub; thread-safe because uvicorn workers log from threads too."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, value: str | None) -> None:
        if not value or len(value) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value in self._values:
                return
            self._values.add(value)
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(item) for item in ordered))

    def scrub(self, text: str) -> str:
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        return _TOKEN_PATTERNS.sub(_replace_token, text)


def _replace_token(match: re.Match[str]) -> str:
    prefix = match.group(1)
    return f"{prefix}{REDACTED}" if prefix else REDACTED


_secrets = _SecretRegistry()


def register_secret(value: str | None) -> None:
    """Never print ``value`` again, whatever logs it."""
    _secrets.add(value)


def redact(text: str) -> str:
    return _secrets.scrub(text)


class RedactingFilter(logging.Filter):
    """Renders the message once, scrubs it, and attaches the context ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg = redact(message)
        record.args = None
        record.request_id = request_id.get()
        record.session_id = session_id.get()
        record.tenant_id = tenant_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("request_id", "session_id", "tenant_id"):
            value = getattr(record, key, None)
            if value:
                entry[key] = value
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        ids = " ".join(
            f"{key[:-3]}={value}"
            for key in ("tenant_id", "session_id", "request_id")
            if (value := getattr(record, key, None))
        )
        line = f"{when} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if ids:
            line += f"  [{ids}]"
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


def _route_loguru_into_logging() -> None:
    """Send Pipecat's loguru output through our handlers (format + redaction)."""
    from loguru import logger as loguru_logger

    def sink(message: Any) -> None:
        record = message.record
        logging.getLogger(record["name"] or "pipecat").log(
            record["level"].no, record["message"], exc_info=record["exception"] is not None or None
        )

    loguru_logger.remove()
    loguru_logger.add(sink, level="DEBUG", format="{message}")


def configure_logging(settings: Settings) -> None:
    """Install the handler on the root logger; idempotent."""
    for value in (
        settings.anthropic_api_key,
        settings.deepgram_api_key,
        settings.cartesia_api_key,
        settings.twilio_auth_token,
    ):
        register_secret(value.get_secret_value() if value else None)
    for spec in settings.secret_keys:
        register_secret(spec.partition(":")[2])

    use_json = settings.log_format is LogFormat.JSON or (
        settings.log_format is LogFormat.AUTO and (settings.is_production or not sys.stderr.isatty())
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    handler.set_name("harde")

    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "harde":
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for noisy in ("httpx", "httpcore", "botocore", "boto3", "urllib3", "aioice", "aiortc", "bm25s", "numba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _route_loguru_into_logging()
