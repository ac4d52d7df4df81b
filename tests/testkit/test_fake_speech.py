"""The Deepgram and Cartesia fakes, driven by Pipecat's real services over real sockets.

If these pass, a pipeline test pointed at the fakes hears real transcripts of real speech
and real synthesized audio, and the fakes fail the way the providers do.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import wave
from collections.abc import Awaitable, Callable, Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from pipecat.audio.utils import create_file_resampler, ulaw_to_pcm
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.frames.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    InterruptionWorkerFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSStoppedFrame,
    TTSTextFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.cartesia.tts import CartesiaTTSService
from pipecat.services.deepgram.stt import DeepgramSTTService
from pipecat.tests.utils import run_test

from testkit.fakes.cartesia import FakeCartesia
from testkit.fakes.deepgram import FakeDeepgram, load_whisper, transcribe_pcm16
from testkit.fakes.session import Fault, FaultKind
from testkit.servers import serve
from testkit.speech import (
    PHONE_SAMPLE_RATE,
    SAMPLE_WIDTH,
    frames,
    silence_pcm16,
    speech_mulaw8k,
    speech_pcm16,
    write_wav,
)

# Generous: a wait that runs out means the behaviour never happened, not that it was slow.
WAIT_SECONDS = 60.0

JOHNSON = "Look up the Johnson job and move it to proposal sent."
KITCHEN = "What is the status of the kitchen remodel on Oak Street?"
SUNNY = "It is sunny in Paris."
GOODBYE = "Goodbye and thanks for calling."


@pytest.fixture(scope="module", autouse=True)
def speech_models() -> None:
    """Load Whisper and warm the speech cache once, so no test pays for it mid-run."""
    load_whisper()
    for text in (JOHNSON, KITCHEN):
        speech_pcm16(text)
        speech_mulaw8k(text)


def test_wav_file_holds_the_speech_as_pcm(tmp_path: Path) -> None:
    pcm = speech_pcm16(JOHNSON)

    path = write_wav(tmp_path / "johnson.wav", pcm, 16000)

    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)
        assert wav.getcomptype() == "NONE"
        assert wav.readframes(wav.getnframes()) == pcm


# --- Deepgram --------------------------------------------------------------------------


async def test_deepgram_transcribes_wideband_speech_on_finalize() -> None:
    fake = FakeDeepgram(final_delay=0.15)  # as the benchmark runs it
    pcm = speech_pcm16(JOHNSON)

    transcripts = await _transcribe_with_vad(fake, pcm, sample_rate=16000)

    assert len(transcripts) == 1
    assert _word_errors(transcripts[0], JOHNSON) <= 1, transcripts
    [session] = fake.sessions
    assert "Finalize" in session.controls
    assert session.finals[0]["from_finalize"] is True


async def test_deepgram_transcribes_phone_audio_sent_at_8khz() -> None:
    """Phone speech (8 kHz mu-law, decoded as Pipecat's Twilio serializer does) arrives
    at 8 kHz; the fake must resample it before Whisper hears it."""
    fake = FakeDeepgram()
    pcm = await ulaw_to_pcm(
        speech_mulaw8k(KITCHEN), PHONE_SAMPLE_RATE, PHONE_SAMPLE_RATE, create_file_resampler()
    )

    transcripts = await _transcribe_with_vad(fake, pcm, sample_rate=PHONE_SAMPLE_RATE)

    assert len(transcripts) == 1
    assert _word_errors(transcripts[0], KITCHEN) <= 1, transcripts
    assert fake.sessions[0].sample_rate == PHONE_SAMPLE_RATE


async def test_deepgram_with_a_known_transcript_answers_with_it_instead_of_whisper() -> None:
    """The load benchmark's mode: the transcriber hears the caller's audio (resampled to
    16 kHz, as Whisper would) and its answer is the final, word by word."""
    heard: list[tuple[bytes, int]] = []

    def transcriber(pcm: bytes, sample_rate: int) -> str:
        heard.append((pcm, sample_rate))
        return SUNNY

    fake = FakeDeepgram(final_delay=0.15, transcriber=transcriber)
    pcm = await ulaw_to_pcm(
        speech_mulaw8k(KITCHEN), PHONE_SAMPLE_RATE, PHONE_SAMPLE_RATE, create_file_resampler()
    )

    transcripts = await _transcribe_with_vad(fake, pcm, sample_rate=PHONE_SAMPLE_RATE)

    assert transcripts == [SUNNY]
    final_audio, rate = heard[-1]
    assert rate == 16000
    assert _word_errors(transcribe_pcm16(final_audio, rate), KITCHEN) <= 1
    [final] = fake.sessions[0].finals
    words = final["channel"]["alternatives"][0]["words"]
    assert [word["punctuated_word"] for word in words] == SUNNY.split()
    assert all(earlier["end"] <= later["start"] for earlier, later in pairwise(words))


async def test_deepgram_sends_interim_results_while_audio_flows() -> None:
    fake = FakeDeepgram()
    waiter = FrameWaiter()
    ended_after_interim = HoldUntil(
        lambda frame: isinstance(frame, EndFrame), lambda: waiter.wait_for(InterimTranscriptionFrame)
    )

    async with serve(fake.app) as base:
        down, _ = await run_test(
            Pipeline([ended_after_interim, _deepgram(base), waiter]),
            frames_to_send=_audio_frames(speech_pcm16(JOHNSON), 16000),
        )

    interims = [frame.text for frame in down if isinstance(frame, InterimTranscriptionFrame)]
    assert interims
    reference = _words(JOHNSON)
    for interim in interims:
        heard = _words(interim)
        assert heard and _edit_distance(heard, reference[: len(heard)]) <= 1, interims


async def test_deepgram_receives_the_keyterms_and_key_the_service_was_given() -> None:
    fake = FakeDeepgram()
    keyterms = ["Leap", "Johnson", "proposal sent"]

    async with serve(fake.app) as base:
        await run_test(_deepgram(base, keyterms=keyterms), frames_to_send=[])

    [session] = fake.sessions
    assert session.keyterms == keyterms
    assert session.api_key == "dg-test-key"
    assert session.param("model") == "nova-3-general"


async def test_deepgram_refuses_audio_it_cannot_transcribe() -> None:
    fake = FakeDeepgram()

    async with serve(fake.app) as base:
        stt = DeepgramSTTService(
            api_key="dg-test-key", base_url=base.replace("http://", "ws://"), encoding="mulaw"
        )
        _, up = await run_test(stt, frames_to_send=[])

    errors = [frame.error for frame in up if isinstance(frame, ErrorFrame)]
    assert any("rejected the connection (status 400)" in error for error in errors), errors
    assert not fake.sessions


@pytest.mark.parametrize(
    "fault",
    [
        Fault(FaultKind.DROP, after_seconds=0.1),
        Fault(FaultKind.ERROR, after_messages=0),
    ],
    ids=["socket-drop", "error-message"],
)
async def test_deepgram_failure_is_reported_and_transcription_resumes(fault: Fault) -> None:
    """What the app notices when Deepgram fails: an error frame, then, once the service
    has reconnected by itself, the caller's words are transcribed again."""
    fake = FakeDeepgram(fault=fault)
    audio = _audio_frames(silence_pcm16(0.5) + speech_pcm16(JOHNSON) + silence_pcm16(0.8), 16000)
    waiter = FrameWaiter()
    audio_after_reconnect = HoldUntil(
        lambda frame: frame is audio[0], lambda: _until(lambda: len(fake.sessions) >= 2)
    )
    ended_after_final = HoldUntil(
        lambda frame: isinstance(frame, EndFrame), lambda: waiter.wait_for(TranscriptionFrame)
    )

    async with serve(fake.app) as base:
        down, up = await run_test(
            Pipeline(
                [
                    audio_after_reconnect,
                    VADProcessor(vad_analyzer=SileroVADAnalyzer()),
                    ended_after_final,
                    _deepgram(base),
                    waiter,
                ]
            ),
            frames_to_send=audio,
        )

    assert [frame for frame in up if isinstance(frame, ErrorFrame) and not frame.fatal]
    transcripts = [frame.text for frame in down if isinstance(frame, TranscriptionFrame)]
    assert len(transcripts) == 1
    assert _word_errors(transcripts[0], JOHNSON) <= 1, transcripts
    assert [session.number for session in fake.sessions if session.finals] == [2]


# --- Cartesia --------------------------------------------------------------------------


@pytest.mark.parametrize("sample_rate", [PHONE_SAMPLE_RATE, 24000])
async def test_cartesia_speaks_a_reply_at_the_requested_rate(sample_rate: int) -> None:
    fake = FakeCartesia(first_audio_delay=0.09)  # as the benchmark runs it
    reply = [
        LLMFullResponseStartFrame(),
        LLMTextFrame(f"{SUNNY} "),
        LLMTextFrame(GOODBYE),
        LLMFullResponseEndFrame(),
    ]

    async with serve(fake.app) as base:
        down, up = await run_test(
            _cartesia(base),
            frames_to_send=reply,
            pipeline_params=PipelineParams(audio_out_sample_rate=sample_rate),
        )

    assert not [frame for frame in up if isinstance(frame, ErrorFrame)]
    # Two sentences of one reply travel as two transcripts of one context.
    [session] = fake.sessions
    assert [text.strip() for text in session.transcripts] == [SUNNY, GOODBYE]
    assert len({request["context_id"] for request in session.requests}) == 1
    audio = [frame for frame in down if isinstance(frame, TTSAudioRawFrame)]
    assert {frame.sample_rate for frame in audio} == {sample_rate}
    pcm = b"".join(frame.audio for frame in audio)
    assert _rms(pcm) > 500, "the reply is silent"
    assert _word_errors(transcribe_pcm16(pcm, sample_rate), f"{SUNNY} {GOODBYE}") <= 1
    # Word times are cumulative across the context, so every word is kept, in order.
    words = [frame for frame in down if isinstance(frame, TTSTextFrame)]
    assert [frame.text for frame in words] == f"{SUNNY} {GOODBYE}".split()
    times = [frame.pts for frame in words if frame.pts is not None]
    assert len(times) == len(words)
    assert all(earlier < later for earlier, later in pairwise(times))


async def test_cartesia_barge_in_cancels_the_context_being_spoken() -> None:
    fake = FakeCartesia()
    # The reply's second sentence is still being written, so its context is open.
    reply = [LLMFullResponseStartFrame(), LLMTextFrame(f"{SUNNY} "), LLMTextFrame("Goodbye and")]
    ended_after_cancel = HoldUntil(
        lambda frame: isinstance(frame, EndFrame),
        lambda: _until(lambda: bool(fake.sessions and fake.sessions[0].cancelled)),
    )

    async with serve(fake.app) as base:
        await run_test(Pipeline([ended_after_cancel, _cartesia(base), BargeIn()]), frames_to_send=reply)

    [session] = fake.sessions
    [context_id] = {request["context_id"] for request in session.requests}
    assert session.cancelled == [context_id]
    assert context_id not in session.completed


async def test_cartesia_rejects_a_request_without_a_voice() -> None:
    fake = FakeCartesia()

    async with serve(fake.app) as base:
        tts = CartesiaTTSService(
            api_key="cartesia-test-key", url=f"{base.replace('http://', 'ws://')}/tts/websocket"
        )
        _, up = await run_test(tts, frames_to_send=[TTSSpeakFrame(SUNNY)])

    errors = [frame.error for frame in up if isinstance(frame, ErrorFrame)]
    assert any("voice must be" in error for error in errors), errors
    assert fake.transcripts == []


async def test_cartesia_error_is_reported_and_the_next_sentence_is_spoken() -> None:
    fake = FakeCartesia(fault=Fault(FaultKind.ERROR, after_messages=1))
    first, second = TTSSpeakFrame(SUNNY), TTSSpeakFrame(GOODBYE)
    waiter = FrameWaiter()
    second_after_first = HoldUntil(lambda frame: frame is second, lambda: waiter.wait_for(TTSStoppedFrame))

    async with serve(fake.app) as base:
        down, up = await run_test(
            Pipeline([second_after_first, _cartesia(base), waiter]), frames_to_send=[first, second]
        )

    errors = [frame.error for frame in up if isinstance(frame, ErrorFrame)]
    assert any("injected fault" in error for error in errors), errors
    _assert_first_cut_second_whole(down)


async def test_cartesia_socket_drop_cuts_the_sentence_and_the_service_reconnects() -> None:
    fake = FakeCartesia(fault=Fault(FaultKind.DROP, after_messages=1))
    first, second = TTSSpeakFrame(SUNNY), TTSSpeakFrame(GOODBYE)
    connections = 0
    reconnected = asyncio.Event()

    async def count_connection(service: CartesiaTTSService) -> None:
        nonlocal connections
        connections += 1
        if connections == 2:
            reconnected.set()

    async with serve(fake.app) as base:
        tts = _cartesia(base)
        tts.add_event_handler("on_connected", count_connection)
        second_after_reconnect = HoldUntil(lambda frame: frame is second, reconnected.wait)
        down, _ = await run_test(Pipeline([second_after_reconnect, tts]), frames_to_send=[first, second])

    assert [session.transcripts for session in fake.sessions] == [[SUNNY], [GOODBYE]]
    _assert_first_cut_second_whole(down)


def _assert_first_cut_second_whole(down: Sequence[Frame]) -> None:
    """The caller heard the failed sentence stop short and the next one in full."""
    audio = _audio_by_context(down)
    assert len(audio) == 2, list(audio)
    (_, first_audio), (second_id, second_audio) = audio.items()
    assert _seconds(first_audio) < _seconds(speech_pcm16(SUNNY, 24000)) / 2
    assert _seconds(second_audio) == pytest.approx(_seconds(speech_pcm16(GOODBYE, 24000)), abs=0.05)
    second_words = [f.text for f in down if isinstance(f, TTSTextFrame) and f.context_id == second_id]
    assert second_words == GOODBYE.split()


# --- helpers ---------------------------------------------------------------------------


class FrameWaiter(FrameProcessor):
    """Passes frames on and lets a test wait until frames of a type have gone by."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[type[Frame]] = set()
        self._arrived = asyncio.Condition()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        async with self._arrived:
            self._seen.add(type(frame))
            self._arrived.notify_all()
        await self.push_frame(frame, direction)

    async def wait_for(self, frame_type: type[Frame]) -> None:
        def seen() -> bool:
            return any(issubclass(kind, frame_type) for kind in self._seen)

        async with self._arrived:
            await self._arrived.wait_for(seen)


class BargeIn(FrameProcessor):
    """Interrupts the bot once its first audio goes by, as a caller talking over it would."""

    def __init__(self) -> None:
        super().__init__()
        self._interrupted = False

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, TTSAudioRawFrame) and not self._interrupted:
            self._interrupted = True
            await self.push_frame(InterruptionWorkerFrame(), FrameDirection.UPSTREAM)


class HoldUntil(FrameProcessor):
    """Holds back the first frame ``matches`` accepts until ``ready()`` completes.

    Ending a pipeline disconnects its services and cuts off replies still in flight, and
    some frames only make sense once the provider is in a known state (reconnected, done
    with the previous sentence); waiting on those events keeps the tests free of sleeps.
    If the event never comes the frame goes on anyway, and the test's assertions say
    what was missing.
    """

    def __init__(self, matches: Callable[[Frame], bool], ready: Callable[[], Awaitable[object]]) -> None:
        super().__init__()
        self._matches = matches
        self._ready = ready
        self._held = False

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if not self._held and self._matches(frame):
            self._held = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready(), WAIT_SECONDS)
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.02)


async def _transcribe_with_vad(fake: FakeDeepgram, pcm: bytes, *, sample_rate: int) -> list[str]:
    """Speak ``pcm`` into VAD -> DeepgramSTTService -> fake; return the final transcripts."""
    waiter = FrameWaiter()
    ended_after_final = HoldUntil(
        lambda frame: isinstance(frame, EndFrame), lambda: waiter.wait_for(TranscriptionFrame)
    )
    audio = silence_pcm16(0.3, sample_rate) + pcm + silence_pcm16(0.8, sample_rate)
    async with serve(fake.app) as base:
        down, _ = await run_test(
            Pipeline(
                [VADProcessor(vad_analyzer=SileroVADAnalyzer()), ended_after_final, _deepgram(base), waiter]
            ),
            frames_to_send=_audio_frames(audio, sample_rate),
            pipeline_params=PipelineParams(audio_in_sample_rate=sample_rate),
        )
    return [frame.text for frame in down if isinstance(frame, TranscriptionFrame)]


def _deepgram(base_url: str, keyterms: list[str] | None = None) -> DeepgramSTTService:
    return DeepgramSTTService(
        api_key="dg-test-key",
        base_url=base_url.replace("http://", "ws://"),
        settings=DeepgramSTTService.Settings(keyterm=keyterms),
    )


def _cartesia(base_url: str) -> CartesiaTTSService:
    return CartesiaTTSService(
        api_key="cartesia-test-key",
        url=f"{base_url.replace('http://', 'ws://')}/tts/websocket",
        settings=CartesiaTTSService.Settings(voice="test-voice"),
    )


def _audio_frames(pcm: bytes, sample_rate: int) -> list[Frame]:
    return [
        InputAudioRawFrame(audio=chunk, sample_rate=sample_rate, num_channels=1)
        for chunk in frames(pcm, sample_rate=sample_rate, sample_width=SAMPLE_WIDTH)
    ]


def _audio_by_context(down: Sequence[Frame]) -> dict[str | None, bytes]:
    """The audio of each TTS context, in the order the contexts started."""
    by_context: dict[str | None, bytes] = {}
    for frame in down:
        if isinstance(frame, TTSAudioRawFrame):
            by_context[frame.context_id] = by_context.get(frame.context_id, b"") + frame.audio
    return by_context


def _seconds(pcm: bytes, sample_rate: int = 24000) -> float:
    return len(pcm) / (SAMPLE_WIDTH * sample_rate)


def _rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples * samples))) if len(samples) else 0.0


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _word_errors(heard: str, said: str) -> int:
    return _edit_distance(_words(heard), _words(said))


def _edit_distance(heard: list[str], said: list[str]) -> int:
    """Word-level Levenshtein distance: substitutions, insertions and deletions."""
    previous = list(range(len(said) + 1))
    for i, heard_word in enumerate(heard, start=1):
        current = [i]
        for j, said_word in enumerate(said, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (heard_word != said_word))
            )
        previous = current
    return previous[-1]
