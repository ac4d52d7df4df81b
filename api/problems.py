"""Errors as ``application/problem+json`` (RFC 9457), each with a stable ``type`` URI.

A client branches on ``type`` (it never changes for a kind of error), shows ``detail`` (it says
what to do next), and reads ``errors`` for field-level problems. Every error the API can answer
with is listed here once (the shape, and the kinds the browser-call door shares, are in
``core.problems`` and re-exported here); routes declare which ones they may return (``documented``), so the
OpenAPI document names them all and a schema-driven test can hold the server to it.

FastAPI's own request validation errors, Starlette's 404/405/413 and anything unexpected become
problems too, app-wide, so a client sees one error format whatever went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.problems import (  # noqa: F401 (re-exported: routes name every kind from here)
    BAD_REQUEST,
    EXPIRED_CREDENTIAL,
    INTERNAL_ERROR,
    INVALID_CREDENTIAL,
    MEDIA_TYPE,
    MISSING_CREDENTIAL,
    PROBLEM_BASE,
    REQUEST_TOO_LARGE,
    TENANT_NOT_FOUND,
    TRIAL_EXPIRED,
    TRIAL_LIMIT_REACHED,
    VALIDATION_ERROR,
    ApiProblem,
    FieldError,
    Problem,
    ProblemType,
    documented,
    problem_response,
)

log = logging.getLogger(__name__)

# --- the catalogue (the kinds shared with other doors are in core.problems) ---------------------
OPERATOR_NOT_CONFIGURED = ProblemType("operator-not-configured", 401, "Operator access is not set up")
OPERATOR_ONLY = ProblemType("operator-only", 403, "Only the operator may do this")
NOT_SIGNED_IN = ProblemType("not-signed-in", 401, "Not signed in")
INVALID_CREDENTIALS = ProblemType("invalid-credentials", 401, "Wrong email or password")
CSRF_FAILED = ProblemType("csrf-failed", 403, "The request lacks the session's CSRF token")
OWNER_ONLY = ProblemType("owner-only", 403, "Only an owner may do this")
PASSWORD_LINK_NOT_FOUND = ProblemType("password-link-not-found", 404, "No such password link")
EMAIL_TAKEN = ProblemType("email-taken", 409, "The email belongs to another account")
USER_WITHOUT_EMAIL = ProblemType("user-without-email", 409, "The user has no email address")
LAST_OWNER = ProblemType("last-owner", 409, "The company would be left without an owner")
PASSWORD_LINK_USED = ProblemType("password-link-used", 410, "The password link was already used")
PASSWORD_LINK_EXPIRED = ProblemType("password-link-expired", 410, "The password link has expired")
INVITE_REVOKED = ProblemType("invite-revoked", 410, "The invite was withdrawn")
INSUFFICIENT_SCOPE = ProblemType("insufficient-scope", 403, "The credential lacks a scope")
WRONG_TENANT = ProblemType("wrong-tenant", 403, "The credential belongs to another tenant")
TOOL_REFUSED = ProblemType("tool-refused", 403, "The safety policy refused the tool")
NOT_FOUND = ProblemType("not-found", 404, "Nothing here")
USER_NOT_FOUND = ProblemType("user-not-found", 404, "No such user")
NUMBER_NOT_FOUND = ProblemType("number-not-found", 404, "No such phone number")
KEY_NOT_FOUND = ProblemType("api-key-not-found", 404, "No such API key")
DOCUMENT_NOT_FOUND = ProblemType("document-not-found", 404, "No such document")
INVITE_NOT_FOUND = ProblemType("invite-not-found", 404, "No such invite")
CONVERSATION_NOT_FOUND = ProblemType("conversation-not-found", 404, "No such conversation")
TOOL_NOT_FOUND = ProblemType("tool-not-found", 404, "No such tool")
MEMORY_NOT_FOUND = ProblemType("memory-not-found", 404, "No such memory")
METHOD_NOT_ALLOWED = ProblemType("method-not-allowed", 405, "Method not allowed")
TENANT_EXISTS = ProblemType("tenant-exists", 409, "The tenant already exists")
PHONE_TAKEN = ProblemType("phone-taken", 409, "The phone number is taken")
PIN_TAKEN = ProblemType("pin-taken", 409, "Another user has that PIN")
IDEMPOTENCY_KEY_REUSED = ProblemType(
    "idempotency-key-reused", 409, "The Idempotency-Key was used with another request"
)
IDEMPOTENCY_IN_PROGRESS = ProblemType(
    "idempotency-in-progress", 409, "A request with this Idempotency-Key is still running"
)
LEAP_NOT_CONNECTED = ProblemType("leap-not-connected", 409, "The tenant has not connected Leap")
NOTHING_TO_UNDO = ProblemType("nothing-to-undo", 409, "The conversation has no change left to undo")
CONVERSATION_BUSY = ProblemType("conversation-busy", 409, "The conversation is still answering")
KNOWLEDGE_FULL = ProblemType("knowledge-base-full", 409, "The knowledge base is full")
INVITE_USED = ProblemType("invite-used", 410, "The invite was already used")
INVITE_EXPIRED = ProblemType("invite-expired", 410, "The invite has expired")
DOCUMENT_TOO_LARGE = ProblemType("document-too-large", 413, "The document is too large")
UNSUPPORTED_DOCUMENT = ProblemType("unsupported-document", 415, "The document type is not supported")
UNREADABLE_DOCUMENT = ProblemType("unreadable-document", 422, "The document has no readable text")
DOCUMENT_TOO_COMPLEX = ProblemType("document-too-complex", 422, "The document takes too much to read")
LEAP_TOKEN_REJECTED = ProblemType("leap-token-rejected", 422, "Leap refused the token")
TOOL_FAILED = ProblemType("tool-failed", 422, "The tool could not do it")
RATE_LIMITED = ProblemType("rate-limited", 429, "Too many requests")
LEAP_BUSY = ProblemType("leap-busy", 429, "Leap is busy")
TOO_MANY_UPLOADS = ProblemType("too-many-uploads", 429, "Other uploads are still being read")
LEAP_UNAVAILABLE = ProblemType("leap-unavailable", 502, "Leap is not answering")
CALL_NOT_PLACED = ProblemType("call-not-placed", 409, "The call could not be placed")
KNOWLEDGE_BUSY = ProblemType("knowledge-base-busy", 503, "The knowledge base is busy")


def field_errors(raw: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic's error list without the ``input`` it echoes (it could be a secret someone sent)."""
    return [
        FieldError(
            loc=[part if isinstance(part, int) else str(part) for part in item.get("loc", ())],
            msg=str(item.get("msg", "")).removeprefix("Value error, "),
            type=str(item.get("type", "value_error")),
        )
        for item in raw
    ]


def describe(errors: list[FieldError]) -> str:
    return "; ".join(f"{'.'.join(str(part) for part in error.loc)}: {error.msg}" for error in errors)


# --- handlers ---------------------------------------------------------------------------------------


async def _api_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return problem_response(
        exc.kind, exc.detail, instance=request.url.path, headers=exc.headers, errors=exc.errors
    )


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(jsonable_encoder(exc.errors(), exclude={"input", "ctx", "url"}))
    detail = f"Fix these fields and send the request again: {describe(errors)}"
    return problem_response(VALIDATION_ERROR, detail, instance=request.url.path, errors=errors)


_HTTP_STATUS_KINDS = {400: BAD_REQUEST, 404: NOT_FOUND, 405: METHOD_NOT_ALLOWED, 413: REQUEST_TOO_LARGE}
_TOO_LARGE_DETAIL = "The request body is larger than this endpoint accepts. Send less."


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = _HTTP_STATUS_KINDS.get(exc.status_code) or ProblemType(
        f"http-{exc.status_code}", exc.status_code, str(exc.detail)
    )
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    detail = {
        400: "The request body could not be read (malformed JSON or form data). Fix it and try again.",
        404: f"There is nothing at {request.url.path}; the API's paths are listed at /docs.",
        405: f"{request.method} is not allowed on {request.url.path}; it takes {headers.get('Allow')}.",
        413: _TOO_LARGE_DETAIL,
    }.get(exc.status_code, str(exc.detail))
    return problem_response(kind, detail, instance=request.url.path, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the routes at this path take.

    Several routes share a path (GET, PATCH and DELETE of one tenant are three routes), and
    Starlette's 405 names only the methods of the first one whose path matched.
    """
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods
    return sorted(methods)


class TooLargeAsProblem:
    """Pure ASGI middleware: the 413 of Starlette's body limit as a problem, like every other error.

    A route's ``max_body_size`` is enforced by Starlette below the exception handlers, and it
    answers in plain text; this swaps that answer for the ``request-too-large`` problem. A 413
    in any other form (a problem already, the Leap sandbox's JSON) passes untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replacing = False

        async def send_as_problem(message: Message) -> None:
            nonlocal replacing
            if message["type"] == "http.response.start" and message["status"] == 413:
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                replacing = content_type.startswith("text/plain")  # Starlette's, not an app's own answer
            if not replacing:
                await send(message)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                answer = problem_response(REQUEST_TOO_LARGE, _TOO_LARGE_DETAIL, instance=scope["path"])
                await answer(scope, receive, send)

        await self.app(scope, receive, send_as_problem)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        INTERNAL_ERROR,
        "The server failed while handling this request and has logged it. Try again; if it keeps "
        "happening, tell the operator the time of the request.",
        instance=request.url.path,
    )


def mapped(kind: ProblemType) -> Callable[[Request, Exception], Any]:
    """A handler answering ``kind`` with the exception's own message as the detail.

    Used for the domain errors of ``tenants`` and ``kb``, whose messages are written for people.
    """

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(kind, _message(exc), instance=request.url.path)

    return handler


def _message(exc: Exception) -> str:
    """The sentence the exception was raised with (``str()`` of a ``KeyError`` would quote it)."""
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        return exc.args[0]
    return str(exc)


def install_problem_handlers(app: FastAPI, domain_errors: Mapping[type[Exception], ProblemType]) -> None:
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    for error, kind in domain_errors.items():
        app.add_exception_handler(error, mapped(kind))
    app.add_middleware(TooLargeAsProblem)
    _document_problems(app)


# --- OpenAPI ----------------------------------------------------------------------------------------

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def amend_openapi(app: FastAPI, amend: Callable[[dict[str, Any]], None]) -> None:
    """Have ``amend`` edit ``app``'s OpenAPI document once, when it is first built (amendments stack)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        amend(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def operations(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every operation object of an OpenAPI document."""
    for path_item in schema.get("paths", {}).values():
        yield from (operation for operation in path_item.values() if isinstance(operation, dict))


def _document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the handlers do.

    Problem responses are served as ``application/problem+json`` (FastAPI would list them as
    ``application/json``), and every route's 422, ours or not, is a problem (the handler above is
    app-wide), not FastAPI's ``HTTPValidationError``.
    """

    def amend(schema: dict[str, Any]) -> None:
        for operation in operations(schema):
            for status, response in operation.get("responses", {}).items():
                _as_problem(status, response)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        components.setdefault(
            "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        components.setdefault("FieldError", FieldError.model_json_schema())
        components["Problem"].pop("$defs", None)

    amend_openapi(app, amend)


def _as_problem(status: str, response: dict[str, Any]) -> None:
    schemas = [media.get("schema") for media in response.get("content", {}).values()]
    validation = {"$ref": "#/components/schemas/HTTPValidationError"}
    if _PROBLEM_REF in schemas or (status == "422" and validation in schemas):
        response["content"] = {MEDIA_TYPE: {"schema": _PROBLEM_REF}}
