"""Leap's error envelopes (reference §2.2, §2.7) as exceptions the routes raise.

Routes raise; one exception handler renders. That keeps every error body in one shape.
"""

from __future__ import annotations

from typing import Any


class LeapError(Exception):
    """An error Leap reports inside `{"error": {...}}` with the HTTP status mirrored in the body."""

    def __init__(self, status_code: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"status_code": self.status_code, "message": self.message, **self.extra}}


class BusinessRuleError(LeapError):
    """A 412 "general" error: the request is well-formed but the record's state forbids it."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(412, message, **extra)


class ValidationFailed(LeapError):
    """A 412 with per-field messages, keyed by dotted field names (`phones.0.label`)."""

    def __init__(self, validation: dict[str, list[str]]) -> None:
        super().__init__(412, "Validation Failed", validation=validation)

    def body(self) -> dict[str, Any]:
        # Leap puts `validation` before `message`; keep that order for byte-level fixtures.
        validation = self.extra["validation"]
        return {"error": {"status_code": 412, "validation": validation, "message": self.message}}


class NotFound(LeapError):
    """404 `<Model> Not Found`, what Laravel's model binding answers for a missing id."""

    def __init__(self, model: str) -> None:
        super().__init__(404, f"{model} Not Found")


def unauthenticated_body() -> dict[str, Any]:
    return LeapError(401, "Unauthenticated.").body()


def too_many_attempts_body() -> dict[str, Any]:
    return LeapError(429, "Too Many Attempts.").body()


def internal_error_body(details: str) -> dict[str, Any]:
    return LeapError(500, "An internal error occured.", error_details=details).body()
