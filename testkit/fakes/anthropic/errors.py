"""Error answers shaped like Anthropic's, so the SDK raises its real exception types.

The SDK maps the HTTP status to the exception (429 RateLimitError, 529 OverloadedError, 500
InternalServerError, 400 BadRequestError), retries 429 and 5xx by itself, and honours
``retry-after``. Bodies follow the API: ``{"type": "error", "error": {"type", "message"},
"request_id"}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from testkit.fakes.anthropic.request import JsonObject


@dataclass(frozen=True)
class ApiError:
    status: int
    type: str
    message: str
    retry_after: float | None = None
    """Seconds for the ``retry-after`` header. The real API sends whole seconds; the SDK also
    accepts fractions, which keeps retry tests fast."""

    def body(self, request_id: str) -> JsonObject:
        return {
            "type": "error",
            "error": {"type": self.type, "message": self.message},
            "request_id": request_id,
        }

    def headers(self, request_id: str) -> dict[str, str]:
        headers = {"request-id": request_id}
        if self.retry_after is not None:
            headers["retry-after"] = f"{self.retry_after:g}"
        return headers


def overloaded() -> ApiError:
    return ApiError(529, "overloaded_error", "Overloaded")


def rate_limited(retry_after: float = 1.0) -> ApiError:
    if retry_after < 0:
        raise ValueError(f"retry_after must not be negative, not {retry_after}")
    return ApiError(
        429,
        "rate_limit_error",
        "This request would exceed your organization's rate limit. Please try again later.",
        retry_after=retry_after,
    )


def server_error() -> ApiError:
    return ApiError(500, "api_error", "Internal server error")


def invalid_request(message: str) -> ApiError:
    return ApiError(400, "invalid_request_error", message)


def model_not_found(model: str) -> ApiError:
    """What the API answers for a model it no longer (or never) serves, such as a retired one."""
    return ApiError(404, "not_found_error", f"model: {model}")
