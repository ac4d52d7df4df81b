"""A caller on a real websocket: raw 16 kHz PCM up, the bot's PCM down, in real time.

Server side, ``pcm_call_app`` serves a call over Pipecat's ``FastAPIWebsocketTransport`` with a
tiny raw-PCM serializer (binary messages are audio; the one text message is ``clear``, sent when
the bot is interrupted, as Twilio's serializer does). Client side, ``Caller`` streams speech and
silence at the pace a microphone would, records every bot audio chunk with its arrival time,
and tells the tests what the caller heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np
import websockets
from fastapi import FastAPI, WebSocket
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
)
from pipecat.serializers.base_serializer import FrameSerializer
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport

from testkit.bounded import settle
from testkit.fakes.deepgram import transcribe_pcm16
from testkit.said import CallerWords
from testkit.speech import SAMPLE_WIDTH, frames, silence_pcm16, speech_pcm16

IN_RATE = 16000
FRAME_MS = 20
CLEAR = "clear"
# A 20 ms window is speech when its int16 RMS is above this (about -50 dBFS).
SPEECH_RMS = 100.0


def _loud(pcm: bytes) -> bool:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return bool(len(samples)) and float(np.sqrt(np.mean(samples * samples))) > SPEECH_RMS


RunCall = Callable[[FastAPIWebsocketTransport], Awaitable[object]]


class RawPcmSerializer(FrameSerializer):
    def __init__(self, in_rate: int = IN_RATE) -> None:
        super().__init__()
        self._in_rate = in_rate

    async def serialize(self, frame: Frame) -> str | bytes | None:
        if isinstance(frame, OutputAudioRawFrame):
            return frame.audio
        if isinstance(frame, InterruptionFrame):
            return CLEAR
        return None

    async def deserialize(self, data: str | bytes) -> Frame | None:
        if isinstance(data, bytes):
            return InputAudioRawFrame(audio=data, sample_rate=self._in_rate, num_channels=1)
        return None


def pcm_call_app(run: RunCall, *, out_rate: int) -> FastAPI:
    """An app whose ``/call`` websocket runs one call per connection through ``run``."""
    app = FastAPI()

    @app.websocket("/call")
    async def call(websocket: WebSocket) -> None:
        await websocket.accept()
        transport = FastAPIWebsocketTransport(
            websocket,
            FastAPIWebsocketParams(
                audio_in_enabled=True,
                audio_out_enabled=True,
                audio_in_sample_rate=IN_RATE,
                audio_out_sample_rate=out_rate,
                serializer=RawPcmSerializer(),
                allowed_origins=[],
            ),
        )
        await run(transport)

    return app


@dataclass
class Heard:
    """Bot audio as it arrived: (arrival time, PCM chunk)."""

    out_rate: int
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    clears: list[float] = field(default_factory=list)

    def pcm(self, since: float = 0.0) -> bytes:
        return b"".join(chunk for at, chunk in self.chunks if at >= since)

    def speech_seconds(self, since: float = 0.0) -> float:
        """Seconds of non-silent audio received since ``since``."""
        pcm = self.pcm(since)
        window = self.out_rate * FRAME_MS // 1000 * SAMPLE_WIDTH
        loud = sum(
            1 for start in range(0, len(pcm) - window + 1, window) if _loud(pcm[start : start + window])
        )
        return loud * FRAME_MS / 1000

    def first_audio_after(self, since: float) -> float | None:
        """When the first bot audio after ``since`` arrived (None: nothing yet). The bot sends
        no audio while it is not speaking, so this is when its answer began."""
        return next((at for at, _chunk in self.chunks if at > since), None)

    def text(self, since: float = 0.0) -> str:
        pcm = self.pcm(since)
        return transcribe_pcm16(pcm, self.out_rate) if pcm else ""


class Caller:
    """One connected caller. Silence flows whenever it is not speaking, like a phone line."""

    def __init__(
        self, socket: websockets.ClientConnection, out_rate: int, words: CallerWords | None = None
    ) -> None:
        self._socket = socket
        self._words = words
        self.heard = Heard(out_rate)
        self._outgoing: asyncio.Queue[bytes | asyncio.Future[float]] = asyncio.Queue()
        self.closed = asyncio.Event()
        self._tasks = [asyncio.create_task(self._send()), asyncio.create_task(self._receive())]

    async def say(self, text: str) -> float:
        """Speak ``text`` (Piper's voice); returns once the clip has been sent, with the time its
        last spoken frame went out (the clip ends in Piper's own trailing silence). A frame leaves
        once its 20 ms have been captured, as a microphone's would, so that moment is when the
        caller fell silent."""
        pcm = speech_pcm16(text, IN_RATE)
        if self._words is not None:
            self._words.said(text, pcm)
        chunks = frames(pcm, sample_rate=IN_RATE, sample_width=SAMPLE_WIDTH)
        last_spoken = max(index for index, chunk in enumerate(chunks) if _loud(chunk))
        spoken: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        sent: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        for index, chunk in enumerate(chunks):
            self._outgoing.put_nowait(chunk)
            if index == last_spoken:
                self._outgoing.put_nowait(spoken)
        self._outgoing.put_nowait(sent)
        await sent
        return spoken.result()

    async def bot_reply(self, *, after: float, quiet_secs: float = 1.2, limit: float = 60.0) -> str:
        """Wait until the bot has spoken after ``after`` and then gone quiet; what it said."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            last = self.heard.chunks[-1][0] if self.heard.chunks else 0.0
            if last > after and time.monotonic() - last >= quiet_secs and self.heard.speech_seconds(after):
                return await asyncio.to_thread(self.heard.text, after)
            if self.closed.is_set():
                break
            await asyncio.sleep(0.05)
        return await asyncio.to_thread(self.heard.text, after)

    async def wait_closed(self, limit: float = 60.0) -> None:
        await asyncio.wait_for(self.closed.wait(), limit)

    async def hang_up(self) -> None:
        await self._socket.close()
        await self.wait_closed()

    async def _send(self) -> None:
        silence = silence_pcm16(FRAME_MS / 1000, IN_RATE)
        interval = FRAME_MS / 1000
        next_at = last_sent_at = time.monotonic()
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                chunk = silence
                if not self._outgoing.empty():
                    item = self._outgoing.get_nowait()
                    if isinstance(item, asyncio.Future):
                        item.set_result(last_sent_at)  # when the frame before it went out
                        continue
                    chunk = item
                await self._socket.send(chunk)
                last_sent_at = time.monotonic()
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def _receive(self) -> None:
        try:
            async for message in self._socket:
                if isinstance(message, bytes):
                    self.heard.chunks.append((time.monotonic(), message))
                elif message == CLEAR:
                    self.heard.clears.append(time.monotonic())
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def close(self) -> None:
        await settle(*self._tasks)
        await self._socket.close()


@contextlib.asynccontextmanager
async def dial(base_url: str, *, out_rate: int, words: CallerWords | None = None) -> AsyncIterator[Caller]:
    """Connect a caller to ``pcm_call_app`` served at ``base_url``; with ``words``, every clip it
    says is registered there, so the Deepgram fake can transcribe it without Whisper."""
    url = base_url.replace("http://", "ws://") + "/call"
    async with websockets.connect(url, max_size=None) as socket:
        caller = Caller(socket, out_rate, words)
        try:
            yield caller
        finally:
            await caller.close()
