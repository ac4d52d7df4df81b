"""Browser calls: SmallWebRTC signaling for the widget, authorised by widget tokens.

Owns ``POST /start`` and ``/sessions/{id}/api/offer`` (offer/answer, trickle ICE) in the shape
``@pipecat-ai/client-js`` speaks, the session records and their one-time offers, concurrency
limits per tenant and per user (atomic in Redis), ICE servers (STUN, and TURN with coturn's
time-limited credentials), and each call's peer connection: ``pipeline.run_call`` runs it like a
phone call (channel ``webrtc``, 48 kHz out, RTVI for the widget), a browser that goes away is hung
up within seconds, and every transcript line and tool event reaches the widget live.

Exports ``router`` (mount it on the app) and ``WebRTCDeps`` (set it on ``app.state.webrtc``; call
``calls.aclose()`` on shutdown).
"""

from webrtc.deps import WebRTCDeps
from webrtc.routes import router

__all__ = ["WebRTCDeps", "router"]
