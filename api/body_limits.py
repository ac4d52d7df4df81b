"""Every request body is bounded before it is read: one ASGI middleware for the whole app.

FastAPI reads and parses a request's body before any dependency runs, authentication included,
so an unbounded body costs the server its size in memory (several times over once parsed) even
when the request is then refused. This middleware runs first and holds each request to a limit:

- no ``Authorization`` header nor session cookie (invite redemption, sign-in, Twilio's webhooks,
  anyone probing): 64 KiB;
- with one: 1 MiB, or more where a route needs it (a knowledge upload: the largest document plus
  multipart framing). Routes may still set a smaller limit of their own. Like a header, a cookie is
  only looked at here, not verified: a wrong one is refused right after the body is read.

A declared ``Content-Length`` over the limit is refused at once, without reading a byte; a body
sent without one (chunked) is counted as it arrives and refused as soon as it passes the limit.
Either way the answer is a ``request-too-large`` problem (413) saying what the limit is.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import MEDIA_TYPE, REQUEST_TOO_LARGE, amend_openapi, operations, problem_response
from api.web_sessions import COOKIE
from kb import MAX_DOCUMENT_BYTES

ANONYMOUS_MAX_BYTES = 64 * 1024
DEFAULT_MAX_BYTES = 1024 * 1024
UPLOAD_MAX_BYTES = MAX_DOCUMENT_BYTES + 64 * 1024  # a document and its multipart framing
_LARGER: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^/v1/tenants/[^/]+/knowledge/?$"), UPLOAD_MAX_BYTES),
)


def body_limit(scope: Scope) -> int:
    """The most bytes of body this request may send."""
    headers = Headers(scope=scope)
    if "authorization" not in headers and COOKIE not in cookie_parser(headers.get("cookie", "")):
        return ANONYMOUS_MAX_BYTES
    path: str = scope["path"]
    return next((limit for pattern, limit in _LARGER if pattern.match(path)), DEFAULT_MAX_BYTES)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit // 1024} KiB"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a body passes its limit; an ``HTTPException`` so that FastAPI's body
    parsing lets it through (it turns any other error into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_detail(limit))
        self.limit = limit


def too_large_detail(limit: int) -> str:
    more = f" (up to {_size(DEFAULT_MAX_BYTES)} with a credential)" if limit == ANONYMOUS_MAX_BYTES else ""
    return f"The request body is larger than this endpoint accepts: at most {_size(limit)}{more}. Send less."


async def body_too_large(request: Request, exc: Exception) -> Response:
    """The problem for a ``BodyTooLarge`` raised inside a route (the app's exception handler)."""
    assert isinstance(exc, BodyTooLarge)
    return _problem(exc.limit, request.url.path)


def _problem(limit: int, path: str) -> Response:
    return problem_response(
        REQUEST_TOO_LARGE, too_large_detail(limit), instance=path, headers={"Connection": "close"}
    )


class BodyLimit:
    """Pure ASGI middleware enforcing ``body_limit`` on every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _problem(limit, scope["path"])(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _problem(limit, scope["path"])(scope, receive, send)


def document_body_limits(app: FastAPI) -> None:
    """Every operation that takes a body says in the OpenAPI document that it may answer 413."""

    def amend(schema: dict[str, Any]) -> None:
        for operation in operations(schema):
            if "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("413", _TOO_LARGE_RESPONSE)

    amend_openapi(app, amend)


_TOO_LARGE_RESPONSE = {
    "description": f"`{REQUEST_TOO_LARGE.slug}`: {REQUEST_TOO_LARGE.title}",
    "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
