"""`create_sandbox_app`: the Leap-compatible emulator as a FastAPI app, mountable anywhere."""

from __future__ import annotations

from fastapi import FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException

from leap_sandbox.controller import Sandbox
from leap_sandbox.errors import LeapError, ValidationFailed
from leap_sandbox.gateway import API_PREFIX, Gateway
from leap_sandbox.published import RouteCatalog
from leap_sandbox.routes import V3_ROUTERS, control

_DESCRIPTION = """\
A Leap CRM (JobProgress) v3 emulator with seeded "Demo Roofing" data. Each Bearer token
(`sandbox_` + 8 or more of `[A-Za-z0-9_-]`) gets its own copy of the company. Endpoints tagged
**(proposed)** are not in Leap's public v3 API; their shapes mirror Leap's internal API.
Routes under `/_sandbox` control the emulator (reset, faults, request log, and
`PUT /_sandbox/unpublished` to make one token's company lack the proposed endpoints)."""


def create_sandbox_app(
    *, seed: int = 7, rate_limit_per_minute: int = 60, rate_limit_window_seconds: float = 60.0
) -> FastAPI:
    """Build the emulator; `app.state.sandbox` is its `Sandbox` controller.

    `rate_limit_window_seconds` exists for tests that must see a rolling window refill quickly.
    """
    sandbox = Sandbox(
        seed=seed,
        rate_limit_per_minute=rate_limit_per_minute,
        rate_limit_window_seconds=rate_limit_window_seconds,
    )
    app = FastAPI(title="Leap sandbox", version="3", description=_DESCRIPTION)
    app.state.sandbox = sandbox
    bearer = HTTPBearer(auto_error=False, description="`sandbox_<token>`; each token has its own data.")
    for router in V3_ROUTERS:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Security(bearer)])
    app.include_router(control.router, prefix="/_sandbox")
    app.add_exception_handler(LeapError, _leap_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(Gateway, sandbox=sandbox, routes=RouteCatalog(V3_ROUTERS))
    return app


async def _leap_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LeapError)
    return JSONResponse(exc.body(), status_code=exc.status_code)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """Query parameters of the wrong type fail like any Leap validation: 412 with per-field messages."""
    assert isinstance(exc, RequestValidationError)
    messages: dict[str, list[str]] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"][1:]) or "request"
        label = field.replace("[]", "").replace("_", " ")
        text = {
            "int_parsing": f"The {label} must be an integer.",
            "bool_parsing": f"The {label} field must be true or false.",
        }.get(error["type"], f"The {label} is invalid.")
        messages.setdefault(field, []).append(text)
    return JSONResponse(ValidationFailed(messages).body(), status_code=412)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Unknown routes answer like Leap's router; other HTTP errors use the error envelope."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return JSONResponse({"message": "Not found"}, status_code=404)
    return JSONResponse(LeapError(exc.status_code, str(exc.detail)).body(), status_code=exc.status_code)
