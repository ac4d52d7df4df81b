"""``WS /twilio/stream``: Twilio's media stream, running the call through the one pipeline.

The socket proves which call it is by redeeming the one-time token the voice webhook put in the
TwiML, for the tenant and ``callSid`` it was issued to; a missing, reused, expired or mismatched
token, or one whose tenant has since been erased, closes it before any audio is heard (and a
mismatched one stays usable by the real call).
Everything about the caller was decided by the webhook; here it becomes a ``CallContext``.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, WebSocket
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport

from brain import CallContext, Channel
from core.keys import SessionKind, new_session_id
from core.logs import session_id as session_log_id
from core.logs import tenant_id as tenant_log_id
from pipeline import run_call
from telephony import calls, stream_tokens
from telephony.deps import TelephonyDeps
from telephony.serializer import PhoneSerializer
from telephony.stream_tokens import CallerMode, StreamGrant
from telephony.transfer import TwilioTransferrer
from tenants import Role, TenantNotFound

log = logging.getLogger(__name__)

router = APIRouter()

PHONE_OUTPUT_RATE = 8000  # Twilio plays 8 kHz mu-law; synthesising at 8 kHz saves a resample
HANDSHAKE_TIMEOUT_S = 10.0
POLICY_VIOLATION = 1008


@router.websocket("/twilio/stream")
async def media_stream(websocket: WebSocket) -> None:
    deps: TelephonyDeps = websocket.app.state.telephony
    await websocket.accept()
    try:
        _, call = await asyncio.wait_for(parse_telephony_websocket(websocket), HANDSHAKE_TIMEOUT_S)
        parameters = call.body or {}
        grant = await stream_tokens.redeem(
            deps.redis,
            str(parameters.get("tenant", "")),
            str(call.call_id or ""),
            str(parameters.get("token", "")),
        )
    except Exception as error:  # anything but a proper Twilio handshake
        log.warning("media stream refused: no valid Twilio handshake (%s)", type(error).__name__)
        await websocket.close(POLICY_VIOLATION)
        return
    if grant is None or deps.pipeline is None:
        log.warning(
            "media stream refused: unknown, expired or reused stream token, or not this call's (call %.40s)",
            call.call_id,
        )
        await websocket.close(POLICY_VIOLATION)
        return
    if await _tenant_gone(deps, grant):
        log.warning(
            "media stream refused: its tenant was erased after the call was answered (%s)", call.call_id
        )
        await websocket.close(POLICY_VIOLATION)
        return
    await _run(websocket, deps, grant, call.stream_id)


async def _tenant_gone(deps: TelephonyDeps, grant: StreamGrant) -> bool:
    """Whether the tenant that answered the call no longer exists (a later one of the same id is not it).

    Its stream tokens are erased with it; this covers one written while the erase was under way.
    """
    try:
        return (await deps.tenants.get_tenant(grant.tenant_id)).incarnation != grant.tenant_incarnation
    except TenantNotFound:
        return True


async def _run(websocket: WebSocket, deps: TelephonyDeps, grant: StreamGrant, stream_sid: str) -> None:
    assert deps.pipeline is not None
    ctx = await _call_context(deps, grant)
    tenant_log_id.set(ctx.tenant_id)
    session_log_id.set(ctx.session_id)
    serializer = _serializer(deps, grant, stream_sid)
    transport = FastAPIWebsocketTransport(
        websocket,
        FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            add_wav_header=False,
            serializer=serializer,
            allowed_origins=[],  # Twilio sends no Origin header
        ),
    )
    transferrer = TwilioTransferrer(
        rest=deps.rest,
        tenants=deps.tenants,
        tenant=await deps.tenants.get_tenant(grant.tenant_id),
        call_sid=grant.call_sid,
        our_number=grant.called,
        serializer=serializer,
        redis=deps.redis,
        public_url=deps.settings.public_url,
    )
    await calls.mark_stream_opened(deps.redis, grant.tenant_id, grant.call_sid, ctx.session_id)
    log.info("phone call %s started (%s caller)", grant.call_sid, grant.mode.value)
    try:
        record = await run_call(
            transport, ctx, deps.pipeline, audio_out_sample_rate=PHONE_OUTPUT_RATE, transferrer=transferrer,
            opening=grant.opening,
        )  # fmt: skip
        log.info("phone call %s ended: %s", grant.call_sid, record.end_reason)
    finally:
        await calls.mark_stream_closed(deps.redis, grant.tenant_id, grant.call_sid)


async def _call_context(deps: TelephonyDeps, grant: StreamGrant) -> CallContext:
    session_id = new_session_id(SessionKind.PHONE)
    if grant.mode is CallerMode.KNOWN and grant.user_id:
        user = await deps.tenants.get_user(grant.tenant_id, grant.user_id)
        return CallContext(
            tenant_id=grant.tenant_id, session_id=session_id, channel=Channel.PHONE, role=user.role,
            user_id=user.id, user_name=user.name,
        )  # fmt: skip
    if grant.mode is CallerMode.READ_ONLY:
        return CallContext(grant.tenant_id, session_id, Channel.PHONE, role=Role.READ_ONLY)
    return CallContext(grant.tenant_id, session_id, Channel.PHONE, needs_pin=True)


def _serializer(deps: TelephonyDeps, grant: StreamGrant, stream_sid: str) -> PhoneSerializer:
    """With Twilio credentials the serializer hangs up the call when the bot ends it."""
    settings = deps.settings
    token = settings.twilio_auth_token
    can_hang_up = bool(settings.twilio_account_sid and token)
    return PhoneSerializer(
        stream_sid=stream_sid,
        call_sid=grant.call_sid,
        account_sid=settings.twilio_account_sid,
        auth_token=token.get_secret_value() if token else None,
        base_url=settings.twilio_api_base_url,
        params=TwilioFrameSerializer.InputParams(auto_hang_up=can_hang_up),
    )
