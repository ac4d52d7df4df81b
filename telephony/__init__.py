"""Phone calls through Twilio: the signed voice webhook that routes a call to its tenant and
caller, one-time stream tokens, the media-stream websocket, the status callback, and call control
(transfer, hang-up, outbound calls, pointing a number here) through Twilio's REST API.

Exports ``router`` (mount it on the app), ``TelephonyDeps`` (set it on ``app.state.telephony``)
and ``TwilioRest``.
"""

from fastapi import APIRouter

from telephony import stream, webhooks
from telephony.deps import TelephonyDeps
from telephony.rest import TwilioRest

router = APIRouter()
router.include_router(webhooks.router)
router.include_router(stream.router)

__all__ = ["TelephonyDeps", "TwilioRest", "router"]
