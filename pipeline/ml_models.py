"""Silero and Smart Turn with one ONNX Runtime session per process instead of one per call.

Pipecat's analyzers each open their own session when built: for Silero about 12 MB of resident
memory and 40 ms of CPU, for Smart Turn 11 MB and 50 ms, on every call, which made the models
nearly all of a call's memory. A session holds only the weights, and ONNX Runtime lets several
threads run one session at once, so every call can share it. What belongs to a call stays per
call: Silero's recurrent state, audio context and window counters, Smart Turn's audio buffer and
silence count.

Smart Turn's verdicts also share one thread per process, where Pipecat starts one per call. The
model costs ~70 ms of CPU a verdict, whatever the batch, and callers end their turns in bursts:
with a thread each, a dozen verdicts ran at once, starved the event loop (Silero's wait went from
~0.26 s to ~0.9 s at 25 calls on 2 cores) and all finished late, and ONNX Runtime's arena grew to
hold them all (~12 MB a call). In one queue each waits only for those ahead of it.

Both classes skip their Pipecat parent's ``__init__`` (that is where the session is opened) and
set the few fields it sets; ``tests/pipeline/test_ml_models.py`` checks them against the
stock analyzers on real speech, so a Pipecat upgrade that adds a field fails there first.
"""

from __future__ import annotations

import copy
import functools
from concurrent.futures import ThreadPoolExecutor

import onnxruntime
from pipecat.audio.turn.smart_turn.base_smart_turn import BaseSmartTurn, SmartTurnParams
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.vad.silero import SileroOnnxModel, SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams, VADState


@functools.cache
def _silero_model() -> SileroOnnxModel:
    model: SileroOnnxModel = SileroVADAnalyzer()._model
    return model


@functools.cache
def _smart_turn_session() -> onnxruntime.InferenceSession:
    session: onnxruntime.InferenceSession = LocalSmartTurnAnalyzerV3()._session
    return session


@functools.cache
def _smart_turn_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="smart-turn")


class SharedSileroVAD(SileroVADAnalyzer):
    """Silero VAD on the process's one Silero session, with this call's own model state."""

    def __init__(self, *, params: VADParams) -> None:
        VADAnalyzer.__init__(self, params=params)
        self._model = copy.copy(_silero_model())  # the session is shared; the state is reset below
        self._model.reset_states()  # type: ignore[no-untyped-call]
        self._windows_since_reset = 0
        self._low_confidence_windows = 0

    async def analyze_audio(self, buffer: bytes) -> VADState:
        """On the event loop, not in a thread: a 20-40 ms frame costs one or two 32 ms windows of
        Silero (~0.2 ms each), less than handing it to a thread and back, and a thread per call
        contends with the loop for the GIL on every frame."""
        return self._run_analyzer(buffer)


class SharedSmartTurn(LocalSmartTurnAnalyzerV3):
    """Smart Turn v3 on the process's one Smart Turn session and thread, with this call's own
    audio buffer."""

    def __init__(self, *, params: SmartTurnParams) -> None:
        BaseSmartTurn.__init__(self, params=params)
        self._log_data = False
        self._session = _smart_turn_session()

    @property
    def _model_executor(self) -> ThreadPoolExecutor:
        """The process's one Smart Turn thread. ``self._executor`` stays None, so a call's
        ``cleanup`` (its end, or a strategy update) leaves the thread to the other calls."""
        return _smart_turn_thread()


def load_models() -> None:
    """Open both sessions now (blocking, ~0.1 s), so the first call does not wait for them."""
    _silero_model()
    _smart_turn_session()
