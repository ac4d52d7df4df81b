"""Twilio's webhooks: the voice webhook that answers a call, and the status callback.

The voice webhook decides everything about a call before any audio flows: which tenant (the
number called), who is calling (the caller's number), what an unknown caller may do (the tenant's
policy), and whether a trial still has minutes. The media stream then only has to redeem the
one-time token this webhook issued.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError

from telephony import calls, outbound, stream_tokens, twiml
from telephony.deps import TelephonyDeps, telephony_deps
from telephony.signature import is_signed_by_twilio
from telephony.stream_tokens import CallerMode, StreamGrant
from telephony.twiml import NOT_SIGNED, TWIML_RESPONSES, UNREADABLE_FORM
from tenants import Tenant, UnknownCallerPolicy

log = logging.getLogger(__name__)

router = APIRouter(prefix="/twilio", tags=["twilio"])

NOT_SET_UP = "Sorry, this number is not set up for Hard-E yet. Goodbye."
STAFF_ONLY = "Sorry, {name}'s Hard-E line only takes calls from the team. Goodbye."

Deps = Annotated[TelephonyDeps, Depends(telephony_deps)]


def _xml(body: str) -> Response:
    return Response(content=body, media_type="application/xml")


async def _signed_form(request: Request, deps: TelephonyDeps) -> dict[str, str] | None:
    token = deps.settings.twilio_auth_token
    form = {key: str(value) for key, value in (await request.form()).items()}
    if token is None or not is_signed_by_twilio(
        token.get_secret_value(), deps.settings.public_url, request, form
    ):
        log.warning("refused a Twilio webhook with a missing or wrong signature (%s)", request.url.path)
        return None
    return form


def _numbers(form: dict[str, str]) -> tuple[str, str]:
    """(our number, the other party's number): outbound calls swap From and To."""
    if form.get("Direction", "inbound").startswith("outbound"):
        return form.get("From", ""), form.get("To", "")
    return form.get("To", ""), form.get("From", "")


@router.post(
    "/voice",
    summary="Answer a call (Twilio voice webhook)",
    responses={
        **TWIML_RESPONSES,
        **UNREADABLE_FORM,
        **NOT_SIGNED,
    },
)
async def voice(request: Request, deps: Deps) -> Response:
    form = await _signed_form(request, deps)
    if form is None:
        return Response(status_code=403)
    ours, theirs = _numbers(form)
    tenant_id = await deps.tenants.tenant_for_number(ours)
    if tenant_id is None:
        log.info("call to unassigned number %s refused", ours)
        return _xml(twiml.say_and_hang_up(NOT_SET_UP))
    tenant = await deps.tenants.get_tenant(tenant_id)
    allowance = await deps.usage.voice_allowance(tenant)
    if not allowance.allowed:
        return _xml(twiml.say_and_hang_up(f"{allowance.message} Goodbye."))
    opening = await _outbound_opening(deps, tenant, form, request.query_params.get("outbound", ""))
    grant = await _grant_for(deps, tenant, form, ours, theirs, allowance.remaining, opening)
    if grant is None:
        return _xml(twiml.say_and_hang_up(STAFF_ONLY.format(name=tenant.name)))
    token = await stream_tokens.issue(deps.redis, grant)
    await calls.record_start(deps.redis, grant, direction=form.get("Direction", "inbound"))
    parameters = {"tenant": tenant.id, "token": token}
    return _xml(twiml.connect_stream(twiml.stream_url(deps.settings.public_url), parameters))


async def _grant_for(
    deps: TelephonyDeps,
    tenant: Tenant,
    form: dict[str, str],
    ours: str,
    caller: str,
    max_seconds: float | None,
    opening: tuple[str, ...],
) -> StreamGrant | None:
    user = await deps.tenants.find_user_by_phone(tenant.id, caller)
    if user is not None:
        mode = CallerMode.KNOWN
    elif tenant.unknown_caller_policy is UnknownCallerPolicy.PIN:
        mode = CallerMode.PIN
    elif tenant.unknown_caller_policy is UnknownCallerPolicy.READ_ONLY:
        mode = CallerMode.READ_ONLY
    else:
        return None
    return StreamGrant(
        tenant_id=tenant.id,
        call_sid=form.get("CallSid", ""),
        caller=caller,
        called=ours,
        mode=mode,
        user_id=user.id if user else None,
        max_seconds=max_seconds,
        tenant_incarnation=tenant.incarnation,
        opening=opening,
    )


async def _outbound_opening(
    deps: TelephonyDeps, tenant: Tenant, form: dict[str, str], outbound_id: str
) -> tuple[str, ...]:
    """What a call Hard-E placed was placed to say (``telephony.outbound`` stored it under the id
    in the webhook URL, for this tenant and the person called); nothing for any other call."""
    if not outbound_id or not form.get("Direction", "").startswith("outbound"):
        return ()
    placed = await outbound.placed_call(deps.redis, tenant.id, outbound_id)
    if placed is None or placed.to != form.get("To", ""):
        return ()
    return tuple(placed.opening)


@router.post(
    "/status",
    summary="Call status updates (Twilio status callback)",
    responses={
        204: {"description": "Recorded."},
        **UNREADABLE_FORM,
        **NOT_SIGNED,
        422: {"description": "A field Twilio sends is malformed (CallDuration: whole seconds)."},
    },
    status_code=204,
)
async def status(request: Request, deps: Deps) -> Response:
    form = await _signed_form(request, deps)
    if form is None:
        return Response(status_code=403)
    duration = _call_duration(form)
    tenant_id = await deps.tenants.tenant_for_number(_numbers(form)[0])
    if tenant_id is not None:
        await calls.record_status(
            deps.redis,
            tenant_id,
            form.get("CallSid", ""),
            status=form.get("CallStatus", ""),
            duration=duration,
        )
    return Response(status_code=204)


def _call_duration(form: dict[str, str]) -> int:
    """Twilio's ``CallDuration``: whole seconds, sent once the call has ended (0 before).

    Anything else (``abc``, ``nan``, ``inf``, ``-1``, ``2.5``) is refused with a 422 naming the
    field, rather than failing with a 500 or landing in the call record.
    """
    raw = form.get("CallDuration", "")
    if not raw:
        return 0
    if not (raw.isascii() and raw.isdigit()):
        error = {
            "loc": ("body", "CallDuration"),
            "msg": "must be a whole number of seconds",
            "type": "int_parsing",
        }
        raise RequestValidationError([error])
    return int(raw)
