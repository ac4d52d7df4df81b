"""Warm transfers over Twilio: ring the colleague, tell them about the call, then join the caller.

The worker running the caller's pipeline opens a transfer (``t:{tenant}:transfer:{id}``: the
caller's call, the sentence for the colleague, a conference room) and has Twilio ring the
colleague with this module's webhooks in the URLs (the transfer id is a random token, and Twilio
signs every request). Whichever worker Twilio reaches reports what happened on the transfer's
outcome list, which the ringing worker waits on:

- ``POST /twilio/transfer/answer``: the colleague picked up. They hear the sentence and wait in the
  conference; the outcome is ``answered``, and the caller's worker then tells the caller and
  redirects their call into the same conference.
- ``POST /twilio/transfer/status``: the colleague's call ended without an answer (``no-answer``,
  ``busy``, ``failed``, ``canceled``); the caller stays with Hard-E.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from core.keys import is_tenant_id, tenant_key
from core.redis import Redis, as_str
from telephony import twiml
from telephony.deps import TelephonyDeps, telephony_deps
from telephony.signature import is_signed_by_twilio

log = logging.getLogger(__name__)

router = APIRouter(prefix="/twilio/transfer", tags=["twilio"])

RING_SECONDS = 20
"""How long the colleague's phone rings before Twilio gives up (its ``Timeout``)."""
WAIT_MARGIN_SECONDS = 15.0
"""Beyond the ringing: Twilio's dialling and its report of the outcome."""
POLL_SECONDS = 5
"""Each wait on the outcome list is short: the Redis client refuses commands that block longer."""
TRANSFER_TTL_SECONDS = 600
ANSWERED = "answered"
UNANSWERED = frozenset({"no-answer", "busy", "failed", "canceled"})

Deps = Annotated[TelephonyDeps, Depends(telephony_deps)]


@dataclass(frozen=True)
class WarmTransfer:
    id: str
    tenant_id: str
    caller_call_sid: str
    summary: str
    room: str


def _key(tenant_id: str, transfer_id: str, *more: str) -> str:
    return tenant_key(tenant_id, "transfer", transfer_id, *more)


async def open_transfer(redis: Redis, tenant_id: str, caller_call_sid: str, summary: str) -> WarmTransfer:
    transfer_id = secrets.token_urlsafe(16)
    transfer = WarmTransfer(transfer_id, tenant_id, caller_call_sid, summary, f"hard-e-{transfer_id}")
    await redis.set(_key(tenant_id, transfer_id), json.dumps(asdict(transfer)), ex=TRANSFER_TTL_SECONDS)
    return transfer


async def find_transfer(redis: Redis, tenant_id: str, transfer_id: str) -> WarmTransfer | None:
    if not is_tenant_id(tenant_id) or not transfer_id.replace("-", "").replace("_", "").isalnum():
        return None
    raw = as_str(await redis.get(_key(tenant_id, transfer_id)))
    return WarmTransfer(**json.loads(raw)) if raw else None


async def report(redis: Redis, transfer: WarmTransfer, outcome: str) -> None:
    key = _key(transfer.tenant_id, transfer.id, "outcome")
    async with redis.pipeline(transaction=True) as pipe:
        pipe.rpush(key, outcome)
        pipe.expire(key, TRANSFER_TTL_SECONDS)
        await pipe.execute()


async def wait_for_outcome(redis: Redis, transfer: WarmTransfer, timeout_s: float) -> str | None:
    """``answered``, an unanswered status, or None when Twilio said nothing in time."""
    key = _key(transfer.tenant_id, transfer.id, "outcome")
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        found = await redis.blpop([key], timeout=max(1, min(POLL_SECONDS, int(left))))
        if found is not None:
            return str(as_str(found[1]))
    return None


def webhook_urls(public_url: str, transfer: WarmTransfer) -> tuple[str, str]:
    """(answer URL, status callback URL) for the colleague's call."""
    query = f"tenant={transfer.tenant_id}&transfer={transfer.id}"
    return f"{public_url}/twilio/transfer/answer?{query}", f"{public_url}/twilio/transfer/status?{query}"


async def _signed_transfer(
    request: Request, deps: TelephonyDeps, tenant: str, transfer_id: str
) -> tuple[WarmTransfer | None, dict[str, str]] | None:
    """The transfer a signed Twilio request is about (None inside: unknown or expired); None when
    the request is not Twilio's."""
    token = deps.settings.twilio_auth_token
    form = {key: str(value) for key, value in (await request.form()).items()}
    if token is None or not is_signed_by_twilio(
        token.get_secret_value(), deps.settings.public_url, request, form
    ):
        log.warning("refused a transfer webhook with a missing or wrong signature")
        return None
    return await find_transfer(deps.redis, tenant, transfer_id), form


@router.post(
    "/answer",
    summary="A colleague answered a warm transfer (Twilio voice webhook)",
    responses={**twiml.TWIML_RESPONSES, **twiml.NOT_SIGNED},
)
async def answered(
    request: Request, deps: Deps, tenant: Annotated[str, Query()], transfer: Annotated[str, Query()]
) -> Response:
    found = await _signed_transfer(request, deps, tenant, transfer)
    if found is None:
        return Response(status_code=403)
    warm, _ = found
    if warm is None:
        body = twiml.say_and_hang_up("Sorry, that caller is no longer waiting. Goodbye.")
        return Response(content=body, media_type="application/xml")
    await report(deps.redis, warm, ANSWERED)
    return Response(content=twiml.conference(warm.room, warm.summary), media_type="application/xml")


@router.post(
    "/status",
    status_code=204,
    summary="A warm transfer's call to the colleague ended",
    responses=twiml.NOT_SIGNED,
)
async def status(
    request: Request, deps: Deps, tenant: Annotated[str, Query()], transfer: Annotated[str, Query()]
) -> Response:
    found = await _signed_transfer(request, deps, tenant, transfer)
    if found is None:
        return Response(status_code=403)
    warm, form = found
    call_status = form.get("CallStatus", "")
    if warm is not None and call_status in UNANSWERED:
        await report(deps.redis, warm, call_status)
    return Response(status_code=204)
