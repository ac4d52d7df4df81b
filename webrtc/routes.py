"""The signaling endpoints, in the shape ``@pipecat-ai/client-js``'s ``startBotAndConnect`` speaks:

- ``POST /start`` -> ``{sessionId, iceConfig}``: a session for the widget token's caller, if the
  tenant's trial and the concurrency limits allow a call;
- ``POST /sessions/{sessionId}/api/offer``: the SDP offer, answered; the call starts once ICE
  connects (a second offer on a session renegotiates its own connection, never opens another);
- ``PATCH /sessions/{sessionId}/api/offer``: trickle ICE candidates;
- ``GET /sessions/{sessionId}``: how far the session got, and why it ended or failed.

Every request carries the widget token as ``Authorization: Bearer hdw_...`` (client-js forwards
the headers of ``/start`` to the session's requests). Errors are problem+json with a ``detail``
written for the person in front of the widget.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pipecat.transports.smallwebrtc.request_handler import IceCandidate

from core.problems import (
    EXPIRED_CREDENTIAL,
    INVALID_CREDENTIAL,
    MISSING_CREDENTIAL,
    REQUEST_TOO_LARGE,
    TRIAL_EXPIRED,
    TRIAL_LIMIT_REACHED,
    ApiProblem,
    ProblemType,
    documented,
    problem_response,
)
from tenants import LimitReason
from tenants.widget_tokens import PREFIX, WidgetCaller, WidgetTokenExpired, WidgetTokenInvalid, widget_caller
from webrtc import grants
from webrtc.calls import OfferRefused
from webrtc.deps import WebRTCDeps
from webrtc.grants import Grant, SessionState
from webrtc.ice import ice_plan
from webrtc.slots import SlotRefusal

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
"""A browser's offer is a few kilobytes; anything near this is not an offer."""
TOO_LARGE = f"Signaling messages are at most {MAX_BODY_BYTES // 1024} KB."

BAD_SIGNAL = ProblemType("bad-signal", 400, "The signaling request could not be read")
SDP_INVALID = ProblemType("sdp-invalid", 400, "The SDP offer cannot be used")
OFFER_WITHOUT_AUDIO = ProblemType("offer-without-audio", 422, "The offer carries no audio")
SESSION_NOT_FOUND = ProblemType("session-not-found", 404, "No such browser-call session")
SESSION_USED = ProblemType("session-used", 409, "The session already has a call")
SESSION_CLOSED = ProblemType("session-closed", 410, "The browser-call session has ended")
TOO_MANY_CALLS = ProblemType("too-many-calls", 429, "Too many browser calls at once")
CALLS_UNAVAILABLE = ProblemType("calls-unavailable", 503, "Browser calls are not available")

router = APIRouter(tags=["browser calls"])

SessionIdPath = Annotated[str, Path(pattern=r"^wb_[0-9a-f]{24}$", description="From `POST /start`.")]


def webrtc_deps(request: Request) -> WebRTCDeps:
    found: WebRTCDeps = request.app.state.webrtc
    return found


Deps = Annotated[WebRTCDeps, Depends(webrtc_deps)]
CREDENTIAL_PROBLEMS = (MISSING_CREDENTIAL, INVALID_CREDENTIAL, EXPIRED_CREDENTIAL)


def _problem(request: Request, error: ApiProblem) -> JSONResponse:
    return problem_response(error.kind, error.detail, instance=request.url.path, headers=error.headers)


async def _caller(request: Request, deps: WebRTCDeps) -> WidgetCaller:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(
            MISSING_CREDENTIAL,
            "Send the widget token as 'Authorization: Bearer hdw_...'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = token.strip()
    if not token.startswith(PREFIX):
        raise ApiProblem(
            INVALID_CREDENTIAL, "Browser calls take a widget token (hdw_...); ask an admin for one."
        )
    try:
        return await widget_caller(deps.widget_tokens, deps.tenants, token)
    except WidgetTokenExpired as error:
        raise ApiProblem(EXPIRED_CREDENTIAL, str(error)) from None
    except WidgetTokenInvalid as error:
        raise ApiProblem(INVALID_CREDENTIAL, str(error)) from None


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object in the body, read no further than ``MAX_BODY_BYTES``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiProblem(REQUEST_TOO_LARGE, TOO_LARGE)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise ApiProblem(REQUEST_TOO_LARGE, TOO_LARGE)
    try:
        found = json.loads(raw or b"{}")
    except ValueError:
        raise ApiProblem(BAD_SIGNAL, "The body is not JSON; send the offer as client-js does.") from None
    if not isinstance(found, dict):
        raise ApiProblem(BAD_SIGNAL, "The body must be a JSON object.")
    return found


async def _session(deps: WebRTCDeps, caller: WidgetCaller, session_id: str) -> tuple[Grant, dict[str, str]]:
    found = await grants.find(deps.redis, caller, session_id)
    if found is None:
        raise ApiProblem(
            SESSION_NOT_FOUND,
            "There is no such session for this widget token (or it expired); start a new call.",
        )
    return found


@router.post(
    "/start",
    summary="Start a browser call: a session id and the ICE servers",
    responses=documented(
        *CREDENTIAL_PROBLEMS, TRIAL_EXPIRED, TRIAL_LIMIT_REACHED, TOO_MANY_CALLS, CALLS_UNAVAILABLE
    ),
)
async def start(request: Request, deps: Deps) -> JSONResponse:
    try:
        caller = await _caller(request, deps)
        if not deps.calls.available:
            raise ApiProblem(CALLS_UNAVAILABLE, "This server cannot run calls right now; try again later.")
        tenant = await deps.tenants.get_tenant(caller.tenant_id)
        allowance = await deps.usage.voice_allowance(tenant)
        if not allowance.allowed:
            kind = TRIAL_EXPIRED if allowance.reason is LimitReason.EXPIRED else TRIAL_LIMIT_REACHED
            raise ApiProblem(
                kind, allowance.message + " Ask us to extend it, or to turn it into a full account."
            )
        grant = await grants.start(deps.redis, caller)
        refusal = await deps.slots.take(grant.tenant_id, grant.holder, grant.session_id)
        if refusal is not None:
            await grants.mark(deps.redis, grant, SessionState.FAILED, "too many calls")
            raise _too_many(deps, refusal)
    except ApiProblem as error:
        return _problem(request, error)
    log.info("browser session %s started for %s", grant.session_id, grant.holder)
    plan = ice_plan(deps.settings, grant.session_id)
    return JSONResponse({"sessionId": grant.session_id, "iceConfig": plan.for_browser()})


def _too_many(deps: WebRTCDeps, refusal: SlotRefusal) -> ApiProblem:
    if refusal is SlotRefusal.USER_FULL:
        detail = f"You already have {deps.slots.per_user} calls open; hang one up (or close its tab) first."
    else:
        detail = (
            f"Your company has {deps.slots.per_tenant} browser calls going at once; try again in a minute."
        )
    return ApiProblem(TOO_MANY_CALLS, detail, headers={"Retry-After": "30"})


@router.post(
    "/sessions/{session_id}/api/offer",
    summary="Send the browser's SDP offer; get the answer",
    responses=documented(
        *CREDENTIAL_PROBLEMS,
        SESSION_NOT_FOUND,
        BAD_SIGNAL,
        SDP_INVALID,
        OFFER_WITHOUT_AUDIO,
        SESSION_USED,
        REQUEST_TOO_LARGE,
    ),
)
async def offer(request: Request, session_id: SessionIdPath, deps: Deps) -> JSONResponse:
    try:
        caller = await _caller(request, deps)
        grant, _record = await _session(deps, caller, session_id)
        body = await _body(request)
        sdp, kind, pc_id = body.get("sdp"), body.get("type"), body.get("pc_id")
        if not isinstance(sdp, str) or kind != "offer":
            raise ApiProblem(SDP_INVALID, "Send {'sdp': '...', 'type': 'offer'} as the browser made it.")
        if not any(line.startswith("m=audio") for line in sdp.splitlines()):
            raise ApiProblem(
                OFFER_WITHOUT_AUDIO, "The offer has no audio: allow the microphone and start the call again."
            )
        live = deps.calls.get(session_id)
        if pc_id and live is not None and live.pc_id == pc_id:
            return JSONResponse(await live.renegotiate(sdp, bool(body.get("restart_pc"))))
        if not await grants.redeem(deps.redis, grant):
            raise ApiProblem(
                SESSION_USED, "This session already has a call; start a new one for another call."
            )
        try:
            answer = await deps.calls.open(grant, sdp)
        except OfferRefused as error:
            await grants.mark(deps.redis, grant, SessionState.FAILED, str(error))
            await deps.slots.release(grant.tenant_id, grant.holder, grant.session_id)
            raise ApiProblem(SDP_INVALID, str(error)) from None
        await grants.mark(deps.redis, grant, SessionState.CONNECTING)
    except ApiProblem as error:
        return _problem(request, error)
    return JSONResponse(answer)


@router.patch(
    "/sessions/{session_id}/api/offer",
    summary="Trickle ICE candidates to the session's connection",
    responses=documented(
        *CREDENTIAL_PROBLEMS, SESSION_NOT_FOUND, SESSION_CLOSED, BAD_SIGNAL, REQUEST_TOO_LARGE
    ),
)
async def candidates(request: Request, session_id: SessionIdPath, deps: Deps) -> JSONResponse:
    try:
        caller = await _caller(request, deps)
        _grant, record = await _session(deps, caller, session_id)
        body = await _body(request)
        live = deps.calls.get(session_id)
        if live is None or body.get("pc_id") != live.pc_id:
            if record.get("state") in (SessionState.ENDED, SessionState.FAILED):
                raise ApiProblem(
                    SESSION_CLOSED, record.get("reason") or "This call has ended; start a new one."
                )
            raise ApiProblem(
                SESSION_NOT_FOUND, "No connection with this pc_id in this session; send the offer first."
            )
        try:
            found = [
                IceCandidate(str(item["candidate"] or ""), str(item["sdp_mid"]), int(item["sdp_mline_index"]))
                for item in body.get("candidates") or []
            ]
            await live.add_candidates(found)
        except (KeyError, TypeError, ValueError) as error:
            raise ApiProblem(BAD_SIGNAL, f"A candidate could not be read ({error}).") from None
    except ApiProblem as error:
        return _problem(request, error)
    return JSONResponse({"status": "success"})


@router.get(
    "/sessions/{session_id}",
    summary="How far a browser-call session got, and why it ended",
    responses=documented(*CREDENTIAL_PROBLEMS, SESSION_NOT_FOUND),
)
async def session_state(request: Request, session_id: SessionIdPath, deps: Deps) -> JSONResponse:
    try:
        caller = await _caller(request, deps)
        _grant, record = await _session(deps, caller, session_id)
    except ApiProblem as error:
        return _problem(request, error)
    return JSONResponse(
        {"sessionId": session_id, "state": record.get("state", ""), "reason": record.get("reason", "")}
    )
