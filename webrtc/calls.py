"""The browser calls this process holds: one SmallWebRTC peer connection and one pipeline run each.

A call's life: the offer is answered at once (``open``); then the browser has
``HARDE_WEBRTC_CONNECT_TIMEOUT_SECONDS`` to reach us over ICE, or the session fails with a reason
the widget can show. Once connected, ``pipeline.run_call`` runs it like a phone call (16 kHz in,
48 kHz out, RTVI for the widget; the microphone's packets are decoded as they arrive, see
``webrtc.media``) and every transcript line and tool event is also sent to the
browser as an RTVI server message. The widget pings over the data channel every second; a peer
that stops (tab closed, network gone) is hung up within a few seconds, and ``run_call`` wraps the
call up once. Whatever happens, the concurrency slot is given back and the connection closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict
from typing import Any

from aiortc.sdp import candidate_from_sdp
from pipecat.transports.base_transport import TransportParams
from pipecat.transports.smallwebrtc.connection import SmallWebRTCConnection
from pipecat.transports.smallwebrtc.request_handler import IceCandidate
from pipecat.transports.smallwebrtc.transport import SmallWebRTCTransport

from brain import CallContext, Channel
from core.logs import session_id as session_log_id
from core.logs import tenant_id as tenant_log_id
from core.redis import Redis
from core.settings import Settings
from pipeline import CallRecord, CallUpdate, PipelineDeps, SpokenLine, run_call
from webrtc import grants, media
from webrtc.grants import Grant, SessionState
from webrtc.ice import ice_plan
from webrtc.slots import SLOT_LEASE_SECONDS, Slots

log = logging.getLogger(__name__)

BROWSER_OUTPUT_RATE = 48000  # Opus runs at 48 kHz: synthesising at it saves a resample
PEER_CHECK_SECS = 0.5
GONE_READINGS = 3
HANG_UP_GRACE_SECS = 5.0
"""How long a call whose peer went away may take to wind down before it is cut."""
RTVI_LABEL = "rtvi-ai"


class OfferRefused(Exception):
    """The offer cannot become a call; the message says why, for the person."""


class BrowserCalls:
    """Live browser calls by session id, in this process (a proxy pins a session to its worker)."""

    def __init__(self, settings: Settings, redis: Redis, slots: Slots, pipeline: PipelineDeps | None) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self._redis = redis
        self._slots = slots
        self._calls: dict[str, BrowserCall] = {}

    @property
    def available(self) -> bool:
        return self.pipeline is not None

    def get(self, session_id: str) -> BrowserCall | None:
        return self._calls.get(session_id)

    def __len__(self) -> int:
        return len(self._calls)

    async def open(self, grant: Grant, sdp: str) -> dict[str, str]:
        """Answer ``grant``'s offer and start its call; raises ``OfferRefused`` for an unusable offer."""
        assert self.pipeline is not None
        plan = ice_plan(self.settings, grant.session_id)
        timeout = self.settings.webrtc_connect_timeout_seconds
        connection = SmallWebRTCConnection(
            ice_servers=list(plan.servers), connection_timeout_secs=int(timeout) + 1
        )
        try:
            await connection.initialize(sdp=sdp, type="offer")
            media.decode_on_arrival(connection.pc)
            answer = connection.get_answer()  # type: ignore[no-untyped-call]
            if answer is None:
                raise ValueError("no answer")
        except Exception as error:
            await _close(connection)
            log.info("browser session %s: unusable offer (%s)", grant.session_id, error)
            raise OfferRefused(
                "The browser's offer could not be used (malformed SDP or no codec in common). Reload the "
                "page and try again."
            ) from None
        call = BrowserCall(grant, connection, self)
        self._calls[grant.session_id] = call
        call.start()
        return {"sdp": answer["sdp"], "type": answer["type"], "pc_id": answer["pc_id"]}

    async def release(self, call: BrowserCall) -> None:
        self._calls.pop(call.grant.session_id, None)
        await self._slots.release(call.grant.tenant_id, call.grant.holder, call.grant.session_id)

    async def mark(self, grant: Grant, state: SessionState, reason: str = "") -> None:
        await grants.mark(self._redis, grant, state, reason)

    async def renew(self, grant: Grant) -> None:
        await self._slots.take(grant.tenant_id, grant.holder, grant.session_id)

    async def aclose(self) -> None:
        """On shutdown: end every call (each still wraps up) and wait for them."""
        calls = list(self._calls.values())
        for call in calls:
            call.cancel()
        await asyncio.gather(*(call.wait() for call in calls), return_exceptions=True)


class BrowserCall:
    def __init__(self, grant: Grant, connection: SmallWebRTCConnection, calls: BrowserCalls) -> None:
        self.grant = grant
        self.connection = connection
        self._calls = calls
        self._task: asyncio.Task[None] | None = None

    @property
    def pc_id(self) -> str:
        return self.connection.pc_id

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"browser-call:{self.grant.session_id}")

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.wait([self._task])

    async def add_candidates(self, candidates: list[IceCandidate]) -> None:
        """Trickle ICE from the browser; an empty candidate marks the end of its candidates."""
        for item in candidates:
            candidate = None
            if item.candidate:
                candidate = candidate_from_sdp(item.candidate.removeprefix("candidate:"))
                candidate.sdpMid = item.sdp_mid
                candidate.sdpMLineIndex = item.sdp_mline_index
            await self.connection.add_ice_candidate(candidate)  # type: ignore[no-untyped-call]

    async def renegotiate(self, sdp: str, restart: bool) -> dict[str, str]:
        await self.connection.renegotiate(sdp=sdp, type="offer", restart_pc=restart)
        media.decode_on_arrival(self.connection.pc)
        answer = self.connection.get_answer()  # type: ignore[no-untyped-call]
        assert answer is not None
        return {"sdp": answer["sdp"], "type": answer["type"], "pc_id": answer["pc_id"]}

    # --- the call ----------------------------------------------------------------------------

    async def _run(self) -> None:
        grant = self.grant
        tenant_log_id.set(grant.tenant_id)
        session_log_id.set(grant.session_id)
        try:
            if not await self._connected():
                await self._calls.mark(
                    grant,
                    SessionState.FAILED,
                    "The browser and the server could not reach each other (ICE did not connect). On an "
                    "office or corporate network this needs a TURN server; ask the operator.",
                )
                log.warning("browser session %s: ICE did not connect; session closed", grant.session_id)
                return
            await self._calls.mark(grant, SessionState.LIVE)
            record = await self._call()
            await self._calls.mark(
                grant, SessionState.ENDED, record.end_reason.value if record.end_reason else ""
            )
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._calls.mark(grant, SessionState.ENDED, "shutdown"))
            raise
        except Exception:
            log.exception("browser session %s failed", grant.session_id)
            with contextlib.suppress(Exception):
                await self._calls.mark(grant, SessionState.FAILED, "The call failed on our side; try again.")
        finally:
            await asyncio.shield(self._close())

    async def _close(self) -> None:
        await _close(self.connection)
        await self._calls.release(self)

    async def _connected(self) -> bool:
        """Wait for ICE and DTLS to connect, at most the connect timeout."""
        pc = self.connection.pc
        changed = asyncio.Event()
        pc.on("connectionstatechange", changed.set)
        deadline = asyncio.get_running_loop().time() + self._calls.settings.webrtc_connect_timeout_seconds
        while pc.connectionState not in ("connected", "failed", "closed"):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), left)
        return pc.connectionState == "connected"

    async def _call(self) -> CallRecord:
        pipeline = self._calls.pipeline
        assert pipeline is not None
        grant = self.grant
        ctx = CallContext(
            tenant_id=grant.tenant_id, session_id=grant.session_id, channel=Channel.WEBRTC, role=grant.role,
            user_id=grant.user_id, user_name=await self._user_name(pipeline),
        )  # fmt: skip
        transport = SmallWebRTCTransport(
            self.connection, TransportParams(audio_in_enabled=True, audio_out_enabled=True)
        )
        keepers = [asyncio.create_task(self._keep_slot()), asyncio.create_task(self._watch_peer())]
        log.info("browser call %s started (%s)", grant.session_id, grant.holder)
        try:
            return await run_call(
                transport,
                ctx,
                pipeline,
                audio_out_sample_rate=BROWSER_OUTPUT_RATE,
                on_update=self._send,
                shows_proposals=True,
                rtvi=True,
            )
        finally:
            for task in keepers:
                task.cancel()

    async def _user_name(self, pipeline: PipelineDeps) -> str | None:
        if self.grant.user_id is None:
            return None
        user = await pipeline.tenants.get_user(self.grant.tenant_id, self.grant.user_id)
        return user.name

    async def _keep_slot(self) -> None:
        while True:
            await asyncio.sleep(SLOT_LEASE_SECONDS / 3)
            try:
                await self._calls.renew(self.grant)
            except Exception:
                log.exception("browser call %s: could not renew its slot", self.grant.session_id)

    async def _watch_peer(self) -> None:
        """Hang up once the browser stops answering (its pings stop, or the connection closes).

        Pipecat counts a peer as gone 3 s after its last ping. One such reading is not trusted on
        its own: after the event loop was busy (a call starting up), pings that did arrive may
        still be waiting to be read, so the peer must read as gone for ``GONE_READINGS`` checks
        in a row, and must have been seen connected first.
        """
        seen, misses = False, 0
        while misses < GONE_READINGS:
            await asyncio.sleep(PEER_CHECK_SECS)
            if self.connection.is_connected():
                seen, misses = True, 0
            elif seen:
                misses += 1
        log.info("browser call %s: the browser went away; hanging up", self.grant.session_id)
        await self.connection.disconnect()  # type: ignore[no-untyped-call]  # the transport reports the peer gone; run_call ends the call
        await asyncio.sleep(HANG_UP_GRACE_SECS)
        log.warning("browser call %s did not end after its peer left; cutting it", self.grant.session_id)
        self.cancel()

    async def _send(self, update: CallUpdate) -> None:
        """Each transcript line and tool event, to the widget (an RTVI server message)."""
        if isinstance(update, SpokenLine):
            data: dict[str, Any] = {"kind": "line", "role": update.role, "text": update.text}
        else:
            data = {"kind": "tool", **asdict(update.event)}
        self.connection.send_app_message({"label": RTVI_LABEL, "type": "server-message", "data": data})


async def _close(connection: SmallWebRTCConnection) -> None:
    with contextlib.suppress(Exception):
        await connection.disconnect()  # type: ignore[no-untyped-call]
