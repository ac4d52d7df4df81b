"""A turn's latency breakdown reads back from a session record as it was written."""

from __future__ import annotations

import json
from dataclasses import asdict

from pipeline import TurnLatency
from pipeline.record import Stage


def test_a_stored_turn_reads_back_whole() -> None:
    turn = TurnLatency(
        turn=2,
        measured_from="user_silence",
        total_secs=0.8123,
        stages=(Stage("transcription", "stt", 0.154), Stage("LLM inference", "llm", 0.512)),
        silent_at=1795501321.35,
    )
    stored = json.loads(json.dumps(asdict(turn)))  # as CallSessions.add_latency keeps it in Redis

    again = TurnLatency.from_json(stored)

    assert again == turn
    assert again.stage_secs("LLM inference") == 0.512


def test_a_greeting_has_no_silence_to_line_up_with() -> None:
    greeting = {"turn": 0, "measured_from": "client_connected", "total_secs": 0.4, "stages": []}

    assert TurnLatency.from_json(greeting).silent_at is None
