"""When the caller has started and finished a turn: Silero VAD plus the tenant's turn strategy.

``VoiceSettings.turn_stop_secs`` is the silence after which a turn may end:
- Smart Turn (the default): the model ends the turn as soon as it judges the words complete; when
  it judges them incomplete it waits, but never longer than ``turn_stop_secs`` of silence
  (Pipecat's own default of 3 s is where its long-pause complaints come from);
- speech timeout: the turn ends ``turn_stop_secs`` after the caller falls silent, once the
  transcript is in. Predictable, so it is what tests with synthetic speech use.
Both models (Silero and Smart Turn) ship inside the Pipecat wheel; every call in a process shares
one session of each (``pipeline.ml_models``).
"""

from __future__ import annotations

from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.turns.user_mute import BaseUserMuteStrategy
from pipecat.turns.user_stop import (
    BaseUserTurnStopStrategy,
    SpeechTimeoutUserTurnStopStrategy,
    TurnAnalyzerUserTurnStopStrategy,
)
from pipecat.turns.user_turn_strategies import UserTurnStrategies, default_user_turn_start_strategies

from pipeline.ml_models import SharedSileroVAD, SharedSmartTurn
from tenants import TurnStrategy, VoiceSettings

# Silero judges 32 ms windows and stays confident for a window or two after the last syllable
# (about 50 ms on our test voice), so it reports the end of speech roughly its stop time plus that
# tail after the caller falls silent. Five windows of stop time make that about 0.2 s, the
# shortest turn stop a tenant can set; Pipecat's default of 0.2 s made it about 0.25 s, on every
# turn. ``python -m bench voice_latency`` prints the silence Silero really heard as "turn wait".
VAD_STOP_SECS = 0.16
SILERO_TAIL_SECS = 0.05


def speech_timeout_secs(voice: VoiceSettings) -> float:
    """With the speech-timeout strategy, how long a turn waits after Silero reports silence, so
    that the whole wait is the tenant's ``turn_stop_secs`` of real silence."""
    return max(0.0, voice.turn_stop_secs - VAD_STOP_SECS - SILERO_TAIL_SECS)


def stop_strategy(voice: VoiceSettings) -> BaseUserTurnStopStrategy:
    if voice.turn_strategy is TurnStrategy.SPEECH_TIMEOUT:
        return SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=speech_timeout_secs(voice))
    analyzer = SharedSmartTurn(params=SmartTurnParams(stop_secs=voice.turn_stop_secs))
    return TurnAnalyzerUserTurnStopStrategy(turn_analyzer=analyzer)


def user_turn_params(
    voice: VoiceSettings, *, idle_secs: float, mute: BaseUserMuteStrategy
) -> LLMUserAggregatorParams:
    """Blocking the first time in a process (opens the models' sessions): build it in a thread."""
    return LLMUserAggregatorParams(
        vad_analyzer=SharedSileroVAD(params=VADParams(stop_secs=VAD_STOP_SECS)),
        user_turn_strategies=UserTurnStrategies(
            start=default_user_turn_start_strategies(), stop=[stop_strategy(voice)]
        ),
        user_mute_strategies=[mute],
        user_idle_timeout=idle_secs,
    )
