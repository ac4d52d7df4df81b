"""Wire-level fake of Cartesia's streaming TTS websocket, ``/tts/websocket``.

Point the real ``CartesiaTTSService`` at it with ``url="ws://127.0.0.1:PORT/tts/websocket"``.
It really speaks, with Piper's bundled voice (through ``testkit.speech``, so
repeated sentences come from the disk cache), and answers in the message shapes of API
version 2026-03-01 that Pipecat 1.14 and the cartesia SDK 4.2 parse.

How it behaves, and where it is simpler than Cartesia:
- Auth is ``X-API-Key`` (or ``?api_key=``) plus ``Cartesia-Version`` (or
  ``?cartesia_version=``); without them the handshake fails with 401 / 400.
- Each generation request names a ``context_id``; a context's transcripts are spoken in
  order and its audio streams as base64 ``chunk`` messages at the context's
  ``output_format.sample_rate`` (raw ``pcm_s16le`` only). A request with
  ``continue: false`` ends the context with ``done`` once everything before it is spoken.
  ``{"context_id": ..., "cancel": true}`` stops a context silently.
- With ``add_timestamps``, ``timestamps`` messages follow the chunks that reach each
  word. Word times are cumulative across the whole context, as Cartesia's are: Pipecat
  rebuilds the bot's spoken text from them and scrambles it if they restart per
  sentence. Piper reports no word alignment, so each clip's speech span is shared out
  over its words by length.
- A context's first chunk leaves exactly ``first_audio_delay`` after its first request
  (None: when ready); when Piper is slower, how late it was is recorded in
  ``CartesiaSession.late_by``.
- Invalid requests get an ``error`` message with status 400, like Cartesia's, and the
  socket stays open.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from testkit.fakes.session import FakeSocket, Fault, FixedDelay
from testkit.speech import SAMPLE_WIDTH, speech_pcm16

logger = logging.getLogger(__name__)

SUPPORTED_SAMPLE_RATES = frozenset({8000, 16000, 22050, 24000, 44100, 48000})
# Samples quieter than this share of the clip's peak are the silence Piper pads speech with.
SPEECH_SHARE_OF_PEAK = 0.05


@dataclass
class CartesiaSession:
    """What one client connection sent and received, for tests to assert on."""

    number: int
    api_key: str
    cartesia_version: str
    requests: list[dict[str, Any]] = field(default_factory=list)  # generation requests, as sent
    cancelled: list[str] = field(default_factory=list)  # context ids the client cancelled
    completed: list[str] = field(default_factory=list)  # context ids that were sent "done"
    errors: list[dict[str, Any]] = field(default_factory=list)  # error messages sent
    late_by: list[float] = field(default_factory=list)  # seconds first audio overran its delay

    @property
    def transcripts(self) -> list[str]:
        return [request["transcript"] for request in self.requests if request["transcript"]]


class FakeCartesia:
    """Serve ``app`` (ASGI); inspect ``sessions`` or ``transcripts``."""

    def __init__(
        self,
        *,
        first_audio_delay: float | None = None,
        chunk_seconds: float = 0.05,
        fault: Fault | None = None,
    ) -> None:
        """``first_audio_delay``: seconds from a context's first request to its first chunk
        (None: when ready). ``chunk_seconds``: audio carried by each ``chunk`` message."""
        if chunk_seconds <= 0:
            raise ValueError("chunk_seconds must be positive")
        self.first_audio_delay = FixedDelay(first_audio_delay)
        self.chunk_seconds = chunk_seconds
        self.fault = fault
        self.sessions: list[CartesiaSession] = []
        self.app = Starlette(routes=[WebSocketRoute("/tts/websocket", self._connect)])

    @property
    def transcripts(self) -> list[str]:
        """Every non-empty transcript received, across sessions, in order."""
        return [text for session in self.sessions for text in session.transcripts]

    async def _connect(self, websocket: WebSocket) -> None:
        api_key = websocket.headers.get("x-api-key") or websocket.query_params.get("api_key")
        version = websocket.headers.get("cartesia-version") or websocket.query_params.get("cartesia_version")
        if not api_key:
            await websocket.send_denial_response(
                PlainTextResponse("missing X-API-Key header or api_key parameter", status_code=401)
            )
            return
        if not version:
            await websocket.send_denial_response(
                PlainTextResponse(
                    "missing Cartesia-Version header or cartesia_version parameter", status_code=400
                )
            )
            return
        await websocket.accept()
        session = CartesiaSession(number=len(self.sessions) + 1, api_key=api_key, cartesia_version=version)
        self.sessions.append(session)
        await _Speaker(self, session, websocket).run()


@dataclass
class _Context:
    """One context: its transcripts queue up and are spoken in order by its own task."""

    id: str
    sample_rate: int
    add_timestamps: bool
    opened_at: float
    transcripts: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    spoken_seconds: float = 0.0  # audio sent so far; word times count from the context start
    failed: bool = False
    task: asyncio.Task[None] | None = None


class _Speaker:
    """One TTS session: generation requests in, audio and word times out."""

    def __init__(self, fake: FakeCartesia, session: CartesiaSession, websocket: WebSocket) -> None:
        self._fake = fake
        self._session = session
        self._socket = FakeSocket(
            websocket, number=session.number, fault=fake.fault, report_error=self._report_error
        )
        self._contexts: dict[str, _Context] = {}
        self._speaking: _Context | None = None

    async def run(self) -> None:
        try:
            async for message in self._socket.messages():
                await self._receive(message)
        finally:
            for context in list(self._contexts.values()):
                await _stop(context)

    async def _receive(self, message: str | bytes) -> None:
        try:
            request = json.loads(message)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            await self._send_error(None, 400, "messages must be JSON objects")
            return
        context_id = request.get("context_id")
        if request.get("cancel") is True:
            await self._cancel(context_id)
            return
        problem = _request_problem(request)
        if problem is not None:
            await self._send_error(context_id if isinstance(context_id, str) else None, 400, problem)
            return
        self._session.requests.append(request)
        context = self._contexts.get(request["context_id"]) or self._open(request)
        context.transcripts.put_nowait(request["transcript"])
        if request.get("continue") is False:
            context.transcripts.put_nowait(None)

    def _open(self, request: dict[str, Any]) -> _Context:
        context = _Context(
            id=request["context_id"],
            sample_rate=request["output_format"]["sample_rate"],
            add_timestamps=request.get("add_timestamps") is True,
            opened_at=time.monotonic(),
        )
        context.task = asyncio.create_task(self._speak(context))
        self._contexts[context.id] = context
        return context

    async def _cancel(self, context_id: Any) -> None:
        context = self._contexts.pop(context_id, None) if isinstance(context_id, str) else None
        if context is not None:
            self._session.cancelled.append(context.id)
            await _stop(context)

    async def _speak(self, context: _Context) -> None:
        try:
            while (text := await context.transcripts.get()) is not None:
                if text.strip():
                    pcm = await asyncio.to_thread(speech_pcm16, text, context.sample_rate)
                    await self._stream(context, text, pcm)
                if context.failed:
                    return
            await self._socket.send_json(
                {"type": "done", "context_id": context.id, "status_code": 206, "done": True}
            )
            self._session.completed.append(context.id)
        finally:
            if self._contexts.get(context.id) is context:
                del self._contexts[context.id]
            if self._speaking is context:
                self._speaking = None

    async def _stream(self, context: _Context, text: str, pcm: bytes) -> None:
        """Send one transcript's audio, each chunk followed by the words it reached."""
        if context.spoken_seconds == 0:
            late = await self._fake.first_audio_delay.wait_since(context.opened_at)
            if late > 0:
                self._session.late_by.append(late)
                logger.warning("fake cartesia: first audio was %.3f s later than its delay", late)
        words = _word_times(text, pcm, context.sample_rate) if context.add_timestamps else []
        chunk_bytes = max(1, round(self._fake.chunk_seconds * context.sample_rate)) * SAMPLE_WIDTH
        for offset in range(0, len(pcm), chunk_bytes):
            chunk = pcm[offset : offset + chunk_bytes]
            self._speaking = context
            await self._socket.send_json(
                {
                    "type": "chunk",
                    "context_id": context.id,
                    "status_code": 206,
                    "done": False,
                    "data": base64.b64encode(chunk).decode(),
                    "step_time": 0.0,
                }
            )
            if context.failed:
                return
            heard = (offset + len(chunk)) / (SAMPLE_WIDTH * context.sample_rate)
            reached = [word for word in words if word[1] < heard]
            words = words[len(reached) :]
            if reached:
                await self._send_timestamps(context, reached)
            await asyncio.sleep(0)  # let a cancel or hang-up in between chunks
        context.spoken_seconds += len(pcm) / (SAMPLE_WIDTH * context.sample_rate)

    async def _send_timestamps(self, context: _Context, words: list[tuple[str, float, float]]) -> None:
        base = context.spoken_seconds
        await self._socket.send_json(
            {
                "type": "timestamps",
                "context_id": context.id,
                "status_code": 206,
                "done": False,
                "word_timestamps": {
                    "words": [word for word, _, _ in words],
                    "start": [base + start for _, start, _ in words],
                    "end": [base + end for _, _, end in words],
                },
            }
        )

    async def _report_error(self) -> None:
        """Cartesia reports a failed generation on its context and keeps the socket open."""
        context = self._speaking
        if context is not None:
            context.failed = True
        await self._send_error(context.id if context else None, 500, "injected fault: generation failed")

    async def _send_error(self, context_id: str | None, status: int, message: str) -> None:
        error = {
            "type": "error",
            "context_id": context_id,
            "status_code": status,
            "title": "Invalid request" if status == 400 else "Internal error",
            "message": message,
            "error_code": "invalid_request" if status == 400 else "internal_error",
            "done": True,
        }
        self._session.errors.append(error)
        await self._socket.send_json(error)


def _request_problem(request: dict[str, Any]) -> str | None:
    """Why Cartesia would refuse this generation request, or None if it is acceptable."""
    context_id = request.get("context_id")
    if not isinstance(context_id, str) or not context_id:
        return "context_id must be a non-empty string"
    if not isinstance(request.get("transcript"), str):
        return "transcript must be a string"
    if not isinstance(request.get("model_id"), str) or not request["model_id"]:
        return "model_id is required"
    voice = request.get("voice")
    if not isinstance(voice, dict) or voice.get("mode") != "id" or not voice.get("id"):
        return "voice must be {'mode': 'id', 'id': <voice id>}"
    output = request.get("output_format")
    if not isinstance(output, dict):
        return "output_format is required"
    if output.get("container") != "raw" or output.get("encoding") != "pcm_s16le":
        return "the fake supports only output_format container=raw, encoding=pcm_s16le"
    if output.get("sample_rate") not in SUPPORTED_SAMPLE_RATES:
        return f"output_format.sample_rate must be one of {sorted(SUPPORTED_SAMPLE_RATES)}"
    return None


def _word_times(text: str, pcm: bytes, sample_rate: int) -> list[tuple[str, float, float]]:
    """(word, start, end) in seconds from the clip start, shared out over its speech by length."""
    words = text.split()
    samples = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32))
    loud = np.flatnonzero(samples > SPEECH_SHARE_OF_PEAK * max(int(samples.max(initial=0)), 1))
    first, last = (loud[0], loud[-1]) if len(loud) else (0, len(samples))
    start, span = first / sample_rate, (last - first) / sample_rate
    weights = np.array([max(sum(ch.isalnum() for ch in word), 1) for word in words], dtype=np.float64)
    edges = start + span * np.concatenate(([0.0], np.cumsum(weights) / weights.sum()))
    return [(word, float(edges[i]), float(edges[i + 1])) for i, word in enumerate(words)]


async def _stop(context: _Context) -> None:
    if context.task is not None and context.task is not asyncio.current_task():
        context.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await context.task
