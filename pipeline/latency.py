"""Every call's latency story: Pipecat's ``UserBotLatencyObserver`` breakdown of each answered turn
(endpointing wait, transcription, turn detection, LLM, tools, speech synthesis, pipeline), kept on
the call record, appended to the session in Redis and logged as one readable line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from pipecat.observers.user_bot_latency_observer import LatencyBreakdown, UserBotLatencyObserver

from pipeline.record import Stage, TurnLatency

log = logging.getLogger(__name__)

LatencySink = Callable[[TurnLatency], Awaitable[None]]


def turn_latency(turn: int, breakdown: LatencyBreakdown) -> TurnLatency:
    return TurnLatency(
        turn=turn,
        measured_from=breakdown.measured_from.value if breakdown.measured_from else "unknown",
        total_secs=round(breakdown.total_secs, 4),
        stages=tuple(
            Stage(label=part.label, owner=part.owner, seconds=round(part.duration_secs, 4))
            for part in breakdown.contributions
        ),
        silent_at=breakdown.user_turn_start_time,
    )


def latency_observer(session_id: str, sink: LatencySink) -> UserBotLatencyObserver:
    """An observer that hands each turn's breakdown to ``sink`` (needs ``enable_metrics=True``)."""
    observer = UserBotLatencyObserver()
    answered = 0

    async def on_breakdown(_observer: UserBotLatencyObserver, breakdown: LatencyBreakdown) -> None:
        nonlocal answered
        if not breakdown.contributions:
            return
        turn = turn_latency(answered, breakdown)
        answered += 1
        log.info("call %s latency %s", session_id, turn.describe())
        await sink(turn)

    observer.add_event_handler("on_latency_breakdown", on_breakdown)
    return observer
