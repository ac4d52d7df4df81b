"""The shared-session VAD and turn models hear exactly what Pipecat's own analyzers hear, and two
calls sharing a session do not leak state into each other."""

from __future__ import annotations

import asyncio

from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams, VADState
from pipecat.metrics.metrics import TurnMetricsData

from pipeline.ml_models import SharedSileroVAD, SharedSmartTurn
from testkit.speech import SAMPLE_WIDTH, frames, silence_pcm16, speech_pcm16

RATE = 16000
PARAMS = VADParams(stop_secs=0.16)


def _chunks(text: str) -> list[bytes]:
    """Speech framed as a caller sends it: 20 ms chunks, with silence either side."""
    pcm = silence_pcm16(0.5, RATE) + speech_pcm16(text, RATE) + silence_pcm16(0.6, RATE)
    return frames(pcm, sample_rate=RATE, sample_width=SAMPLE_WIDTH)


def _analyzer(kind: type[VADAnalyzer]) -> VADAnalyzer:
    analyzer = kind(params=PARAMS)
    analyzer.set_sample_rate(RATE)
    return analyzer


async def _states(analyzer: VADAnalyzer, chunks: list[bytes]) -> list[VADState]:
    return [await analyzer.analyze_audio(chunk) for chunk in chunks]


async def test_shared_silero_hears_what_pipecats_silero_hears() -> None:
    chunks = _chunks("Who is working the Thompson job")

    stock = await _states(_analyzer(SileroVADAnalyzer), chunks)
    shared = await _states(_analyzer(SharedSileroVAD), chunks)

    assert VADState.SPEAKING in stock and stock[-1] is VADState.QUIET
    assert shared == stock


async def test_calls_sharing_silero_keep_their_own_state() -> None:
    speech = _chunks("Any new leads this morning")
    silence = frames(silence_pcm16(len(speech) * 0.02, RATE), sample_rate=RATE, sample_width=SAMPLE_WIDTH)
    alone = await _states(_analyzer(SharedSileroVAD), speech)
    talking, quiet = _analyzer(SharedSileroVAD), _analyzer(SharedSileroVAD)

    interleaved = []
    for spoken, silent in zip(speech, silence, strict=True):
        interleaved.append(await talking.analyze_audio(spoken))
        assert await quiet.analyze_audio(silent) is VADState.QUIET

    assert interleaved == alone


async def _turn_verdict(analyzer: LocalSmartTurnAnalyzerV3, text: str) -> tuple[object, float]:
    analyzer.set_sample_rate(RATE)
    for chunk in frames(speech_pcm16(text, RATE), sample_rate=RATE, sample_width=SAMPLE_WIDTH):
        analyzer.append_audio(chunk, is_speech=True)
    analyzer.append_audio(silence_pcm16(0.2, RATE), is_speech=False)
    state, metrics = await analyzer.analyze_end_of_turn()
    assert isinstance(metrics, TurnMetricsData)
    return state, metrics.probability


async def test_shared_smart_turn_judges_turns_as_pipecats_does() -> None:
    params = SmartTurnParams(stop_secs=0.8)
    for text in ("How much is still owed on the Moore job?", "Can you tell me about the"):
        stock = await _turn_verdict(LocalSmartTurnAnalyzerV3(params=params), text)
        shared = await _turn_verdict(SharedSmartTurn(params=params), text)
        assert shared == stock, text


async def test_calls_queue_for_one_smart_turn_thread_that_outlives_each_call() -> None:
    """Verdicts asked for together all come back right, and one call ending (Pipecat cleans its
    analyzer up) does not stop the thread the other calls use."""
    params = SmartTurnParams(stop_secs=0.8)
    texts = ("How much is still owed on the Moore job?", "Can you tell me about the")
    alone = [await _turn_verdict(SharedSmartTurn(params=params), text) for text in texts]
    ending, staying = SharedSmartTurn(params=params), SharedSmartTurn(params=params)

    together = await asyncio.gather(*(_turn_verdict(SharedSmartTurn(params=params), text) for text in texts))
    await _turn_verdict(ending, texts[0])
    await ending.cleanup()

    assert list(together) == alone
    assert await _turn_verdict(staying, texts[1]) == alone[1]
