"""Leap's wire conventions: PHP-style bracket keys, the ``{"data": ...}`` include wrapper, and error bodies.

Leap is a Laravel application. Writes are form-encoded with bracket keys (``phones[0][number]``,
``job[trades][]``) because JSON bodies lose nested fields there; list filters in query strings use
the same ``key[]`` form. Included relations come back wrapped (``"reps": {"data": [...]}``) or bare
depending on the relation and the API's age, so records are unwrapped here, once, in both forms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from crm_leap.errors import (
    LeapArchivedJob,
    LeapAuthError,
    LeapEndpointMissing,
    LeapError,
    LeapNotFound,
    LeapRateLimited,
    LeapUnavailable,
    LeapValidationError,
)

JSON = dict[str, Any]
FormValue = str | int | float | bool | None | Sequence[Any] | Mapping[str, Any]

_ARCHIVED_MESSAGE = "archived"
_NO_RECORDS_MESSAGE = "no records found"
_THROTTLED_MESSAGE = "too many attempts"


def _scalar(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def form_fields(data: Mapping[str, FormValue]) -> list[tuple[str, str]]:
    """Flatten nested mappings and lists into bracket-keyed pairs; ``None`` values are left out.

    ``{"phones": [{"label": "cell"}], "trades": [8]}`` becomes
    ``[("phones[0][label]", "cell"), ("trades[]", "8")]``: lists of scalars use ``key[]`` (how
    Laravel reads id lists), lists of mappings use their index (how it reads rows).
    """
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        _flatten(key, value, pairs)
    return pairs


def _flatten(key: str, value: Any, pairs: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for sub_key, sub_value in value.items():
            _flatten(f"{key}[{sub_key}]", sub_value, pairs)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if isinstance(item, Mapping | list | tuple):
                _flatten(f"{key}[{index}]", item, pairs)
            elif item is not None:
                pairs.append((f"{key}[]", _scalar(item)))
    else:
        pairs.append((key, _scalar(value)))


def unwrap(value: Any) -> Any:
    """An included relation without its ``{"data": ...}`` wrapper, whichever form it came in."""
    if isinstance(value, Mapping) and "data" in value and "id" not in value:
        return value["data"]
    return value


def unwrap_record(record: Mapping[str, Any]) -> JSON:
    """A record whose included relations (and theirs, one level down) are all bare."""
    result: JSON = {}
    for key, value in record.items():
        inner = unwrap(value)
        if isinstance(inner, Mapping):
            inner = {sub_key: unwrap(sub_value) for sub_key, sub_value in inner.items()}
        elif isinstance(inner, list):
            inner = [unwrap_record(item) if isinstance(item, Mapping) else item for item in inner]
        result[key] = inner
    return result


def _body(response: httpx.Response) -> JSON:
    """The JSON body, or an empty dict when Leap sent HTML or nothing (its error pages sometimes do)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (Laravel sends whole seconds); ``None`` when absent or unreadable."""
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def is_throttled(response: httpx.Response) -> bool:
    """A rate-limit refusal: 429, or the 500 "Too Many Attempts." that older Leap builds send instead."""
    if response.status_code == 429:
        return True
    if response.status_code != 500:
        return False
    error = _body(response).get("error")
    text = " ".join(str(error.get(key, "")) for key in ("message", "error_details")) if error else ""
    return _THROTTLED_MESSAGE in text.lower()


def error_for(response: httpx.Response, operation: str) -> LeapError:
    """The typed error for a failed response; ``operation`` names the call for the message."""
    status = response.status_code
    body = _body(response)
    error = body.get("error") if isinstance(body.get("error"), dict) else None
    message = str(error.get("message") or "").strip() if error else ""
    if is_throttled(response):
        return LeapRateLimited(
            f"Leap is rate limiting {operation}", retry_after=retry_after_seconds(response)
        )
    if status in (401, 403):
        return LeapAuthError(
            f"Leap refused the API token for {operation} ({status} {message or 'Unauthenticated'})",
            status=status,
        )
    if status == 412 and error is not None:
        validation = error.get("validation")
        if isinstance(validation, dict) and validation:
            return LeapValidationError(message or "Validation Failed", _field_messages(validation))
        if _ARCHIVED_MESSAGE in message.lower():
            return LeapArchivedJob(message, status=status)
        if _NO_RECORDS_MESSAGE in message.lower():
            return LeapNotFound(message, status=status)
        return LeapValidationError(message or f"Leap refused {operation}")
    if status == 404 and error is not None:
        return LeapNotFound(message or f"Not found ({operation})", status=status)
    if status in (404, 405):
        return LeapEndpointMissing(f"this Leap API does not offer {operation} ({status})", status=status)
    if status >= 500:
        return LeapUnavailable(f"Leap failed on {operation} ({status} {message})".rstrip(), status=status)
    return LeapError(f"Leap answered {status} to {operation} {message}".rstrip(), status=status)


def _field_messages(validation: Mapping[str, Any]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name, messages in validation.items():
        if isinstance(messages, list):
            fields[str(name)] = [str(item) for item in messages]
        else:
            fields[str(name)] = [str(messages)]
    return fields
