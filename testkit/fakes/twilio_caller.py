"""A simulated phone caller that behaves like Twilio towards Hard-E.

It signs and POSTs the voice webhook, follows the TwiML to the media-stream websocket, sends
``connected`` and ``start`` with the stream parameters, streams 8 kHz mu-law speech in real time
(20 ms frames), and plays what it receives through a real-time playout buffer the way Twilio
does: ``clear`` empties the buffer, ``mark`` is echoed once the audio before it has played.
It can press keys and hang up, and it measures voice-to-voice latency from its own side: from
the end of its speech to the first non-silent audio that comes back. It also notes when each
``media`` message arrived, so a benchmark can see how evenly the bot's audio is paced.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field

import httpx
import numpy as np
import websockets
from twilio.request_validator import RequestValidator

from testkit.bounded import settle

FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law
FRAME_SECONDS = 0.02
SPEECH_RMS = 300.0  # linear PCM RMS above which a frame counts as sound


def _mulaw_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.uint8)
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = ((mantissa.astype(np.int32) << 3) + 0x84) << exponent
    return np.where(sign != 0, 0x84 - magnitude, magnitude - 0x84).astype(np.int16)


_MULAW = _mulaw_table()


def mulaw_decode(data: bytes) -> np.ndarray:
    return _MULAW[np.frombuffer(data, dtype=np.uint8)]


def is_sound(mulaw: bytes) -> bool:
    if not mulaw:
        return False
    samples = mulaw_decode(mulaw).astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) > SPEECH_RMS


@dataclass
class Heard:
    """Audio played to the caller, with the moment each 20 ms frame played."""

    audio: bytearray = field(default_factory=bytearray)
    first_sound_at: list[float] = field(default_factory=list)  # one entry per burst of sound


class SimulatedCaller:
    def __init__(
        self,
        base_url: str,
        *,
        public_url: str,
        auth_token: str,
        caller: str,
        called: str,
        call_sid: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.public_url = public_url
        self.auth_token = auth_token
        self.caller, self.called = caller, called
        self.call_sid = call_sid or f"CA{secrets.token_hex(16)}"
        self.stream_sid = f"MZ{secrets.token_hex(16)}"
        self.twiml = ""
        self.heard = Heard()
        self.clears = 0
        self.marks_echoed: list[str] = []
        self.media_arrivals: list[tuple[float, int]] = []  # (time.monotonic(), payload bytes)
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self._socket: websockets.ClientConnection | None = None
        self._buffer = bytearray()
        self._marks: list[tuple[int, str]] = []  # (buffer position, name)
        self._sequence = 0
        self._sent_frames = 0
        self.speech_ended_at: float | None = None  # time.monotonic() of the last say()'s last word
        self._tasks: list[asyncio.Task[None]] = []
        self._in_sound = False

    # --- the webhook -----------------------------------------------------------------------------

    async def dial(self, http: httpx.AsyncClient, *, webhook: str | None = None, **extra: str) -> str:
        """Fetch the TwiML as Twilio does. ``webhook`` is the URL Twilio was given (an outbound
        call's ``Url``); by default the number's voice webhook."""
        form = {
            "CallSid": self.call_sid,
            "From": self.caller,
            "To": self.called,
            "Direction": "inbound",
            **extra,
        }
        signed_url = webhook or f"{self.public_url}/twilio/voice"
        signature = RequestValidator(self.auth_token).compute_signature(signed_url, form)
        response = await http.post(
            self.base_url + signed_url.removeprefix(self.public_url),
            data=form,
            headers={"X-Twilio-Signature": signature},
        )
        response.raise_for_status()
        self.twiml = response.text
        return self.twiml

    @property
    def parameters(self) -> dict[str, str]:
        return dict(re.findall(r'<Parameter name="(\w+)" value="([^"]+)" />', self.twiml))

    # --- the media stream ------------------------------------------------------------------------

    async def connect(self, parameters: dict[str, str] | None = None) -> None:
        """Open the stream as Twilio would, using the TwiML's parameters unless told otherwise."""
        ws_url = self.base_url.replace("http://", "ws://") + "/twilio/stream"
        self._socket = await websockets.connect(ws_url, max_size=None)
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send(
            {
                "event": "start",
                "sequenceNumber": self._next(),
                "start": {
                    "accountSid": "AC" + "0" * 32,
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "customParameters": self.parameters if parameters is None else parameters,
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
                "streamSid": self.stream_sid,
            }
        )
        self._tasks = [asyncio.create_task(self._receive()), asyncio.create_task(self._play())]

    async def say(self, mulaw: bytes) -> None:
        """Stream speech in real time, 20 ms per frame, as a phone line would. The caller fell
        silent when its last audible frame went out (a frame leaves once its 20 ms have been
        captured); any padding after it is silence on the line."""
        frames = range(0, len(mulaw), FRAME_BYTES)
        audible = [offset for offset in frames if is_sound(mulaw[offset : offset + FRAME_BYTES])]
        self.speech_ended_at = await self._stream(mulaw, mark=audible[-1] if audible else None)

    async def silence(self, seconds: float) -> None:
        await self._stream(b"\xff" * int(seconds / FRAME_SECONDS) * FRAME_BYTES)

    async def press(self, digits: str) -> None:
        for digit in digits:
            await self._send(
                {"event": "dtmf", "streamSid": self.stream_sid, "sequenceNumber": self._next(),
                 "dtmf": {"track": "inbound_track", "digit": digit}}
            )  # fmt: skip
            await self.silence(0.1)

    async def hang_up(self) -> None:
        if self._socket is None:
            return
        with contextlib.suppress(websockets.ConnectionClosed):
            await self._send(
                {"event": "stop", "sequenceNumber": self._next(), "streamSid": self.stream_sid,
                 "stop": {"accountSid": "AC" + "0" * 32, "callSid": self.call_sid}}
            )  # fmt: skip
            await self._socket.close()
        await self._stop_tasks()

    async def wait_for_reply(self, timeout: float = 20.0, quiet: float = 1.2) -> tuple[float, bytes]:
        """Wait for the bot to answer and finish; (voice-to-voice latency, what was heard)."""
        start_len, start_bursts = len(self.heard.audio), len(self.heard.first_sound_at)
        deadline = time.monotonic() + timeout
        while len(self.heard.first_sound_at) == start_bursts:
            if time.monotonic() > deadline or self.closed.is_set():
                raise TimeoutError("the bot said nothing")
            await asyncio.sleep(0.02)
        latency = self.heard.first_sound_at[start_bursts] - (self.speech_ended_at or 0.0)
        await self.wait_until_quiet(quiet, deadline)
        return latency, bytes(self.heard.audio[start_len:])

    async def wait_until_quiet(self, quiet: float, deadline: float) -> None:
        last_sound = time.monotonic()
        while time.monotonic() < deadline and not self.closed.is_set():
            if self._buffer or self._in_sound:
                last_sound = time.monotonic()
            elif time.monotonic() - last_sound >= quiet:
                return
            await asyncio.sleep(0.02)

    # --- internals ---------------------------------------------------------------------------------

    def _next(self) -> str:
        self._sequence += 1
        return str(self._sequence)

    async def _send(self, message: dict[str, object]) -> None:
        assert self._socket is not None, "connect() first"
        await self._socket.send(json.dumps(message))

    async def _stream(self, mulaw: bytes, mark: int | None = None) -> float:
        """Send ``mulaw`` in real time; when the frame at offset ``mark`` (if none, the last
        frame) went out."""
        started = time.monotonic()
        marked_at: float | None = None
        for offset in range(0, len(mulaw), FRAME_BYTES):
            chunk = mulaw[offset : offset + FRAME_BYTES].ljust(FRAME_BYTES, b"\xff")
            self._sent_frames += 1
            media = {
                "track": "inbound",
                "chunk": str(self._sent_frames),
                "timestamp": str(self._sent_frames * 20),
                "payload": base64.b64encode(chunk).decode(),
            }
            sequence = self._next()
            await self._send(
                {"event": "media", "sequenceNumber": sequence, "streamSid": self.stream_sid, "media": media}
            )
            if offset == mark:
                marked_at = time.monotonic()
            due = started + (offset // FRAME_BYTES + 1) * FRAME_SECONDS
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        return marked_at if marked_at is not None else time.monotonic()

    async def _receive(self) -> None:
        assert self._socket is not None
        try:
            async for raw in self._socket:
                message = json.loads(raw)
                event = message.get("event")
                if event == "media":
                    payload = base64.b64decode(message["media"]["payload"])
                    self.media_arrivals.append((time.monotonic(), len(payload)))
                    self._buffer.extend(payload)
                elif event == "clear":
                    self.clears += 1
                    self._buffer.clear()
                    self._marks = [(0, name) for _, name in self._marks]
                elif event == "mark":
                    self._marks.append((len(self._buffer), message["mark"]["name"]))
        except websockets.ConnectionClosed as closed:
            self.close_code = closed.rcvd.code if closed.rcvd else None
        finally:
            self.close_code = self.close_code or (self._socket.close_code if self._socket else None)
            self.closed.set()

    async def _play(self) -> None:
        """Twilio's playout: 20 ms of buffered audio every 20 ms, echoing marks as they pass."""
        next_tick = time.monotonic()
        while True:
            next_tick += FRAME_SECONDS
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
            frame = bytes(self._buffer[:FRAME_BYTES])
            del self._buffer[:FRAME_BYTES]
            self._marks = [(max(0, position - len(frame)), name) for position, name in self._marks]
            while self._marks and self._marks[0][0] == 0 and (frame or not self._buffer):
                name = self._marks.pop(0)[1]
                self.marks_echoed.append(name)
                with contextlib.suppress(websockets.ConnectionClosed, AssertionError):
                    await self._send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})
            if not frame:
                self._in_sound = False
                continue
            self.heard.audio.extend(frame)
            sound = is_sound(frame)
            if sound and not self._in_sound:
                self.heard.first_sound_at.append(time.monotonic())
            self._in_sound = sound

    async def _stop_tasks(self) -> None:
        await settle(*self._tasks)
        self._tasks = []
