"""Twilio request signatures, checked against the public URL Twilio was given.

Behind a proxy the app sees an internal URL, so the check rebuilds the URL Twilio signed from
``HARDE_PUBLIC_URL`` plus the request's path and query.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from twilio.request_validator import RequestValidator


def public_request_url(public_url: str, request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{public_url}{request.url.path}{query}"


def is_signed_by_twilio(auth_token: str, public_url: str, request: Request, form: Mapping[str, str]) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    return bool(
        RequestValidator(auth_token).validate(public_request_url(public_url, request), dict(form), signature)
    )
