"""The front door of every `/api/v3` request: token check, rate limit, injected faults, request log.

A plain ASGI middleware rather than FastAPI dependencies because it must answer before routing
(401/429 for any path, including unknown ones), add headers to every answer, delay without
blocking the loop, and notice a client that hangs up on a held request.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leap_sandbox.clock import company_now, format_timestamp
from leap_sandbox.controller import Sandbox, is_sandbox_token, token_id
from leap_sandbox.errors import (
    LeapError,
    internal_error_body,
    too_many_attempts_body,
    unauthenticated_body,
)
from leap_sandbox.faults import FaultKind, FaultOutcome
from leap_sandbox.published import RouteCatalog
from leap_sandbox.ratelimit import Decision
from leap_sandbox.request_log import BODY_PREVIEW_LIMIT, RequestRecord

API_PREFIX = "/api/v3"
CONTROL_PREFIX = "/_sandbox"
TOKEN_SCOPE_KEY = "sandbox.token"  # noqa: S105 (a scope key name, not a secret)
CLIENT_GAVE_UP = 499
MALFORMED_BODY = b'{"data":[{"id":5001,"name":"Smith - Asphalt Shingle Repl'


def route_path(scope: Scope) -> str:
    """The path below wherever the sandbox is mounted (`/sandbox/leap/api/v3/x` -> `/api/v3/x`)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


class Gateway:
    def __init__(self, app: ASGIApp, sandbox: Sandbox, routes: RouteCatalog) -> None:
        self.app = app
        self.sandbox = sandbox
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        if path.startswith(CONTROL_PREFIX) and not self.sandbox.http_control_enabled:
            await _send_json(send, 404, {"message": "Not found"})
            return
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        exchange = _Exchange(scope, receive, send)
        await self._serve_api(exchange, path[len(API_PREFIX) :] or "/")
        self.sandbox.log.add(exchange.record(path))

    async def _serve_api(self, exchange: _Exchange, api_path: str) -> None:
        token = bearer_token(exchange.scope)
        if token is None or not is_sandbox_token(token):
            await exchange.respond(401, unauthenticated_body())
            return
        exchange.token_id = token_id(token)
        decision = self.sandbox.limiter.hit(exchange.token_id)
        if not decision.allowed:
            await exchange.respond(429, too_many_attempts_body(), _throttled_headers(decision))
            return
        exchange.extra_headers = _budget_headers(decision)
        if not self.sandbox.has_unpublished(token) and self.routes.is_unpublished(
            exchange.scope["method"], api_path
        ):
            await exchange.respond(404, {"message": "Not found"})
            return
        outcome = self.sandbox.faults.consult(exchange.scope["method"], api_path)
        if outcome is not None and await self._apply_fault(exchange, outcome):
            return
        exchange.scope[TOKEN_SCOPE_KEY] = token
        await self.app(exchange.scope, exchange.receive, exchange.send)

    async def _apply_fault(self, exchange: _Exchange, outcome: FaultOutcome) -> bool:
        """Delay and/or answer in place of the route; True when the fault produced the answer."""
        if outcome.latency_ms:
            exchange.fault = "latency"
            await asyncio.sleep(outcome.latency_ms / 1000)
        if outcome.kind is None:
            return False
        exchange.fault = outcome.kind.value
        if outcome.kind is FaultKind.RATE_LIMITED:
            limit = self.sandbox.rate_limit_per_minute
            forced = Decision(
                False, limit, 0, outcome.retry_after, math.ceil(time.time()) + outcome.retry_after
            )
            exchange.extra_headers = []  # the throttled headers replace the budget ones
            await exchange.respond(429, too_many_attempts_body(), _throttled_headers(forced))
        elif outcome.kind in _FORCED_ERRORS:
            status, body = _FORCED_ERRORS[outcome.kind]
            await exchange.respond(status, body)
        elif outcome.kind is FaultKind.MALFORMED:
            await exchange.respond_raw(200, MALFORMED_BODY)
        elif await exchange.client_hung_up_within(outcome.hold_seconds):  # the one kind left: timeout
            exchange.status = CLIENT_GAVE_UP
        else:
            await exchange.respond(504, LeapError(504, "Gateway Timeout").body())
        return True


_FORCED_ERRORS: dict[FaultKind, tuple[int, dict[str, Any]]] = {
    FaultKind.SERVER_ERROR: (500, internal_error_body("Injected fault.")),
    FaultKind.BAD_GATEWAY: (502, LeapError(502, "Bad Gateway").body()),
    FaultKind.UNAVAILABLE: (503, LeapError(503, "Service Unavailable").body()),
}


def _budget_headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    return [
        (b"x-ratelimit-limit", str(decision.limit).encode()),
        (b"x-ratelimit-remaining", str(decision.remaining).encode()),
    ]


def _throttled_headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    return [
        *_budget_headers(decision),
        (b"retry-after", str(decision.retry_after).encode()),
        (b"x-ratelimit-reset", str(decision.reset_at).encode()),
    ]


Headers = Sequence[tuple[bytes, bytes]]


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: Headers = ()) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class _Exchange:
    """One API request in flight: wraps receive/send to see the body and status and add headers."""

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.body = bytearray()
        self.status = 0
        self.token_id: str | None = None
        self.fault: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] = []
        self._arrived = format_timestamp(company_now()) or ""

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request" and len(self.body) < BODY_PREVIEW_LIMIT:
            self.body.extend(message.get("body", b""))
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message = {**message, "headers": [*message.get("headers", []), *self.extra_headers]}
        await self._send(message)

    async def respond(self, status: int, body: dict[str, Any], headers: Headers = ()) -> None:
        self.status = status
        await _send_json(self._send, status, body, [*self.extra_headers, *headers])

    async def respond_raw(self, status: int, payload: bytes) -> None:
        self.status = status
        await self._send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), *self.extra_headers],
            }
        )
        await self._send({"type": "http.response.body", "body": payload})

    async def client_hung_up_within(self, seconds: float) -> bool:
        """Hold the request open; True as soon as the client disconnects, False after `seconds`."""

        async def until_disconnect() -> None:
            while (await self.receive())["type"] != "http.disconnect":
                pass

        try:
            await asyncio.wait_for(until_disconnect(), timeout=seconds)
        except TimeoutError:
            return False
        return True

    def record(self, path: str) -> RequestRecord:
        headers = dict(self.scope["headers"])
        content_type = headers.get(b"content-type")
        return RequestRecord(
            at=self._arrived,
            token_id=self.token_id,
            method=self.scope["method"],
            path=path,
            query=self.scope.get("query_string", b"").decode("latin-1"),
            content_type=content_type.decode("latin-1") if content_type else None,
            body=bytes(self.body[:BODY_PREVIEW_LIMIT]).decode("utf-8", errors="replace"),
            status=self.status,
            fault=self.fault,
        )
