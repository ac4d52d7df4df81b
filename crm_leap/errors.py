"""What can go wrong when working Leap, as types callers can tell apart.

Two families. ``LeapError`` and its subclasses come from the client: each says what Leap (or the
way to it) did, so the caller can decide between "tell the user", "try later" and "fix the
configuration". ``ToolError`` is for the person on the phone: a sentence they can act on (pick one of
two Mikes, that job is archived, Leap wants a last name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class LeapError(Exception):
    """Any failure talking to Leap. ``status`` is the HTTP status when there was a response."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class LeapAuthError(LeapError):
    """Leap refused the token (401) or the token may not reach this resource (403)."""


class LeapValidationError(LeapError):
    """Leap refused the request as invalid (412): field messages in ``fields``, or a business rule."""

    def __init__(self, message: str, fields: Mapping[str, Sequence[str]] | None = None) -> None:
        self.fields = {name: list(messages) for name, messages in (fields or {}).items()}
        super().__init__(message, status=412)

    def __str__(self) -> str:
        if not self.fields:
            return self.message
        details = "; ".join(
            f"{name}: {' '.join(messages)}" if messages else name for name, messages in self.fields.items()
        )
        return f"{self.message}: {details}"


class LeapNotFound(LeapError):
    """The record does not exist (404, or Leap's 412 "No records found!")."""


class LeapArchivedJob(LeapError):
    """The job is archived; Leap will not show or change it until it is restored."""


class LeapEndpointMissing(LeapError):
    """This Leap API does not offer the operation (unknown route: 404 without Leap's error envelope, or 405).

    Several operations (stage change, tasks, email, SMS, proposals) are not in Leap's public v3 API;
    their shapes are proposals. When the real service lacks one, this says so plainly instead of
    pretending the record was not found.
    """


class LeapRateLimited(LeapError):
    """Leap answered 429 and the retry budget ran out, or our own limiter had no slot in time."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class LeapUnavailable(LeapError):
    """Leap could not be reached, timed out, or failed on its side (5xx)."""


class ToolError(Exception):
    """A message for the user: what went wrong and, when possible, what to say next."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NeedsCaller(ToolError):
    """Not a failure: the tool needs something only the caller can give before it can go on (a
    detail Leap requires, or a choice between a record Leap already has and a new one). The message
    is the question to put to them; ``details`` says what is missing or what was found."""

    def __init__(self, message: str, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.details = dict(details or {})


class ActionNotAvailable(ToolError):
    """The tool's endpoint is missing from this company's Leap account; the message says so plainly
    and what Hard-E can do instead."""

    def __init__(self, message: str, *, tool: str) -> None:
        super().__init__(message)
        self.tool = tool


class AmbiguousName(ToolError):
    """A spoken name fits several records equally well; the message asks which one."""


class UnknownName(ToolError):
    """A spoken name fits nothing the company has; the message lists what there is when short."""


class ToolInputError(ToolError):
    """The tool's arguments do not fit its schema; the message names each field and the problem."""
