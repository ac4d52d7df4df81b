"""A browser on aiortc: the widget's side of a browser call, without a browser.

It does what ``@pipecat-ai/client-js`` with the SmallWebRTC transport does on the wire: ``POST
/start`` with the widget token, an SDP offer with a microphone track and a data channel, the
answer, a ``ping`` on the data channel every second, and RTVI's ``client-ready``. The microphone
streams silence in real time and speaks Piper clips on request (Opus-encoded by aiortc, as a
browser would); the bot's audio is decoded and kept with its arrival times, so a test can wait for
a reply and transcribe it. RTVI messages from the server (bot-ready, transcript lines, tool events)
are kept in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame

from testkit.bounded import settle
from testkit.fakes.deepgram import transcribe_pcm16
from testkit.speech import SAMPLE_WIDTH, frames, speech_pcm16
from webrtc.media import decode_on_arrival

# A browser captures at 48 kHz, Opus's own rate, so nothing is resampled before the encoder. (At
# 16 kHz, aiortc's resampler held each frame's last samples back until the next frame, 20 ms on.)
MIC_RATE = 48000
FRAME_MS = 20
SPEECH_RMS = 100.0  # a 20 ms window louder than this (about -50 dBFS) is speech


def loud(pcm: bytes) -> bool:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return bool(len(samples)) and float(np.sqrt(np.mean(samples * samples))) > SPEECH_RMS


class Microphone(MediaStreamTrack):
    """Real-time 48 kHz audio: silence, or the clips queued with ``speak``."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._queue: asyncio.Queue[bytes | asyncio.Future[float]] = asyncio.Queue()
        self._samples = 0
        self._started: float | None = None
        self._last_sent = 0.0

    async def speak(self, text: str) -> float:
        """Say ``text``; returns once sent, with the time its last spoken frame went out."""
        chunks = frames(speech_pcm16(text, MIC_RATE), sample_rate=MIC_RATE, sample_width=SAMPLE_WIDTH)
        last_spoken = max(index for index, chunk in enumerate(chunks) if loud(chunk))
        loop = asyncio.get_running_loop()
        spoken: asyncio.Future[float] = loop.create_future()
        sent: asyncio.Future[float] = loop.create_future()
        for index, chunk in enumerate(chunks):
            self._queue.put_nowait(chunk)
            if index == last_spoken:
                self._queue.put_nowait(spoken)
        self._queue.put_nowait(sent)
        await sent
        return spoken.result()

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        per_frame = MIC_RATE * FRAME_MS // 1000
        if self._started is None:
            self._started = time.monotonic()
        wait = self._started + self._samples / MIC_RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        chunk = bytes(per_frame * SAMPLE_WIDTH)
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if isinstance(item, asyncio.Future):
                item.set_result(self._last_sent)
                continue
            chunk = item
            break
        frame = AudioFrame(format="s16", layout="mono", samples=per_frame)
        frame.planes[0].update(chunk)
        frame.sample_rate = MIC_RATE
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, MIC_RATE)
        self._samples += per_frame
        self._last_sent = time.monotonic()
        return frame


@dataclass
class Heard:
    """The bot's audio as it arrived, mono PCM16 at the track's rate."""

    rate: int = 48000
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    last_loud_at: float = 0.0
    first_loud: list[float] = field(default_factory=list)  # when each burst of speech began

    def add(self, at: float, pcm: bytes) -> None:
        self.chunks.append((at, pcm))
        if loud(pcm):
            if at - self.last_loud_at > 0.5:
                self.first_loud.append(at)
            self.last_loud_at = at

    def pcm(self, since: float = 0.0) -> bytes:
        return b"".join(chunk for at, chunk in self.chunks if at >= since)

    def speech_after(self, since: float) -> float | None:
        return next((at for at in self.first_loud if at > since), None)

    def text(self, since: float = 0.0) -> str:
        pcm = self.pcm(since)
        return transcribe_pcm16(pcm, self.rate) if pcm else ""


class BrowserPeer:
    """One browser call from the widget's side, once its offer is answered."""

    def __init__(self, pc: RTCPeerConnection, mic: Microphone, session_id: str, pc_id: str) -> None:
        self.pc = pc
        self.mic = mic
        self.session_id = session_id
        self.pc_id = pc_id
        self.heard = Heard()
        self.messages: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self._pinging = True
        self._tasks: list[asyncio.Task[None]] = []
        self.channel = pc.createDataChannel("chat")
        self.channel.on("open", self._opened)
        self.channel.on("message", self._message)
        pc.on("track", self._track)

    # --- what the widget does ------------------------------------------------------------------

    async def say(self, text: str) -> float:
        return await self.mic.speak(text)

    def send(self, message: dict[str, Any]) -> None:
        self.channel.send(json.dumps(message))

    def send_text(self, text: str) -> None:
        """Typed text into the call, as client-js's ``sendText`` does."""
        self.send({"label": "rtvi-ai", "type": "send-text", "id": _next_id(), "data": {"content": text}})

    def vanish(self) -> None:
        """The tab is gone without a goodbye: no more pings, no more audio."""
        self._pinging = False
        self.mic.stop()

    async def hang_up(self) -> None:
        await settle(*self._tasks)
        await self.pc.close()

    # --- what the test waits for ---------------------------------------------------------------

    async def wait_for(self, found: Callable[[dict[str, Any]], bool], limit: float = 60.0) -> dict[str, Any]:
        async def search() -> dict[str, Any]:
            while True:
                match = next((message for message in self.messages if found(message)), None)
                if match is not None:
                    return match
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(search(), limit)

    def server_data(self, kind: str) -> list[dict[str, Any]]:
        return [
            message["data"]
            for message in self.messages
            if message.get("type") == "server-message" and message.get("data", {}).get("kind") == kind
        ]

    def lines(self, role: str) -> list[str]:
        """The transcript lines of ``role`` ("caller" or "assistant") the widget has been sent."""
        return [str(data["text"]) for data in self.server_data("line") if data["role"] == role]

    async def reply(self, *, after: float, quiet_secs: float = 1.0, limit: float = 60.0) -> str:
        """Wait until the bot spoke after ``after`` and then fell quiet; what a person heard."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            began = self.heard.speech_after(after)
            if began is not None and time.monotonic() - self.heard.last_loud_at >= quiet_secs:
                return await asyncio.to_thread(self.heard.text, began - 0.1)
            await asyncio.sleep(0.05)
        raise TimeoutError(f"the bot did not answer within {limit:.0f} s")

    # --- plumbing ------------------------------------------------------------------------------

    def _opened(self) -> None:
        self._tasks.append(asyncio.create_task(self._ping()))
        self.send(
            {
                "label": "rtvi-ai",
                "type": "client-ready",
                "id": _next_id(),
                "data": {"version": "1.0.0", "about": {"library": "aiortc-test-browser"}},
            }
        )

    def _message(self, raw: object) -> None:
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                message = json.loads(raw)
                if isinstance(message, dict):
                    self.messages.append(message)
                    self._changed.set()

    async def _ping(self) -> None:
        while self._pinging and self.channel.readyState == "open":
            self.channel.send(f"ping: {int(time.time() * 1000)}")
            await asyncio.sleep(1.0)

    def _track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._tasks.append(asyncio.create_task(self._listen(track)))

    async def _listen(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, AudioFrame)
                samples = frame.to_ndarray().reshape(-1, len(frame.layout.channels))[:, 0]
                self.heard.rate = frame.sample_rate
                self.heard.add(time.monotonic(), samples.astype("<i2").tobytes())


_ids = itertools.count(1)


def _next_id() -> str:
    return f"m{next(_ids)}"


class SignalingRefused(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.status_code}: {response.text}")
        self.response = response
        self.problem: dict[str, Any] = response.json() if response.content else {}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def start(http: httpx.AsyncClient, base: str, token: str) -> dict[str, Any]:
    response = await http.post(f"{base}/start", headers=bearer(token))
    if response.status_code != 200:
        raise SignalingRefused(response)
    found: dict[str, Any] = response.json()
    return found


async def offer(
    http: httpx.AsyncClient, base: str, token: str, session_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await http.post(f"{base}/sessions/{session_id}/api/offer", headers=bearer(token), json=body)


@contextlib.asynccontextmanager
async def browser_call(
    http: httpx.AsyncClient, base: str, token: str, *, playout_buffer: bool = True
) -> AsyncIterator[BrowserPeer]:
    """Start, offer, answer: a connected peer (ICE runs on); hung up when the block ends.

    With ``playout_buffer=False`` the bot's packets are decoded as they arrive instead of after
    aiortc's fixed 80 ms jitter buffer, so ``heard`` times are arrival times: what reached the
    browser, before whatever playout delay the browser adds (its own, adaptive)."""
    started = await start(http, base, token)
    pc = RTCPeerConnection()
    mic = Microphone()
    pc.addTrack(mic)
    if not playout_buffer:
        decode_on_arrival(pc)
    peer = BrowserPeer(pc, mic, started["sessionId"], pc_id="")
    try:
        await pc.setLocalDescription(await pc.createOffer())
        response = await offer(
            http, base, token, peer.session_id, {"sdp": pc.localDescription.sdp, "type": "offer"}
        )
        if response.status_code != 200:
            raise SignalingRefused(response)
        answer = response.json()
        peer.pc_id = answer["pc_id"]
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
        yield peer
    finally:
        await peer.hang_up()
