"""Phone calls through Twilio: the signed voice webhook that routes a call to its tenant and
caller, one-time stream tokens, the media-stream websocket, the status callback, and call control
(cold and warm transfer, hang-up, outbound calls with a purpose, pointing a number here) through
Twilio's REST API.

Exports ``router`` (mount it on the app), ``TelephonyDeps`` (set it on ``app.state.telephony``)
and ``TwilioRest``.
"""

from fastapi import APIRouter

from telephony import stream, warm_transfer, webhooks
from telephony.deps import TelephonyDeps
from telephony.rest import TwilioRest

router = APIRouter()
router.include_router(webhooks.router)
router.include_router(stream.router)
router.include_router(warm_transfer.router)

__all__ = ["TelephonyDeps", "TwilioRest", "router"]
