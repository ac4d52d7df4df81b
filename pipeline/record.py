"""What happened on one call: who said what, what every tool did, how long each turn took to
answer, and how the call ended. It becomes the transcript blob and feeds memory extraction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from brain import CallContext, ToolEvent
from memory import Line


class EndReason(StrEnum):
    CALLER_HUNG_UP = "caller_hung_up"
    BOT_HUNG_UP = "bot_hung_up"  # Claude called end_call after its goodbye
    TRANSFERRED = "transferred"
    IDLE = "idle"  # the caller stopped answering
    TIME_LIMIT = "time_limit"  # the tenant's maximum call length, or the trial's voice minutes
    NOT_ALLOWED = "not_allowed"  # the call could not be served (no API key, trial over)
    ERROR = "error"
    SHUTDOWN = "shutdown"  # the server stopped the call


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SpokenLine:
    role: Literal["caller", "assistant"]
    text: str
    at: datetime
    interrupted: bool = False


@dataclass(frozen=True)
class ToolLogEntry:
    at: datetime
    event: ToolEvent


@dataclass(frozen=True)
class Stage:
    """One named part of a turn's latency (Pipecat's contribution), in seconds."""

    label: str
    owner: str
    seconds: float


STAGE_GROUPS: dict[str, frozenset[str]] = {
    "endpointing": frozenset({"endpointing wait"}),
    "transcription": frozenset({"transcription"}),
    "turn": frozenset({"turn detection", "turn completion", "waiting for user"}),
    "llm": frozenset({"first request", "LLM inference", "LLM tool call", "function handler"}),
    "speech": frozenset({"sentence aggregation", "speech synthesis", "output transport"}),
}
"""Pipecat's latency stages (``UserBotLatencyObserver`` labels) by the part of a turn they belong to:
waiting for the caller to finish, hearing them, deciding it is Hard-E's turn, thinking (tools
included), and speaking."""


@dataclass(frozen=True)
class TurnLatency:
    """From the caller falling silent (or connecting, for the greeting) to the bot's first audio."""

    turn: int
    measured_from: str  # "user_silence" | "client_connected"
    total_secs: float
    stages: tuple[Stage, ...]
    silent_at: float | None = None
    """Epoch seconds at which Pipecat reckons the caller fell silent (its VAD's verdict minus the
    VAD's stop time), so a turn can be lined up with the caller's own clock; None for greetings."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TurnLatency:
        """One turn as a session record in Redis stores it (``CallSessions.add_latency``)."""
        return cls(
            turn=data["turn"],
            measured_from=data["measured_from"],
            total_secs=data["total_secs"],
            stages=tuple(Stage(**stage) for stage in data["stages"]),
            silent_at=data.get("silent_at"),
        )

    def grouped_ms(self) -> dict[str, float]:
        """The turn in the five parts a person reads on a chart (``STAGE_GROUPS``), in ms; Pipecat
        stages outside them (a new one, say) land in ``other`` so nothing measured goes missing."""
        grouped = dict.fromkeys((*STAGE_GROUPS, "other"), 0.0)
        for stage in self.stages:
            group = next((name for name, labels in STAGE_GROUPS.items() if stage.label in labels), "other")
            grouped[group] += stage.seconds * 1000
        return {name: round(ms, 1) for name, ms in grouped.items()}

    def stage_secs(self, label: str) -> float:
        return sum(stage.seconds for stage in self.stages if stage.label == label)

    def describe(self) -> str:
        parts = " + ".join(f"{stage.label} {stage.seconds:.3f}" for stage in self.stages)
        return f"turn {self.turn}: {self.total_secs:.3f}s = {parts}"


@dataclass
class CallRecord:
    ctx: CallContext
    started_at: datetime = field(default_factory=now)
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    lines: list[SpokenLine] = field(default_factory=list)
    tools: list[ToolLogEntry] = field(default_factory=list)
    latency: list[TurnLatency] = field(default_factory=list)

    @property
    def duration_secs(self) -> float:
        end = self.ended_at or now()
        return max(0.0, (end - self.started_at).total_seconds())

    def memory_lines(self) -> list[Line]:
        return [Line(role=line.role, text=line.text) for line in self.lines if line.text.strip()]

    def as_json(self) -> bytes:
        """The transcript blob: the whole record, readable by a person and by the admin API."""
        document: dict[str, Any] = {
            "tenant_id": self.ctx.tenant_id,
            "session_id": self.ctx.session_id,
            "channel": self.ctx.channel.value,
            "user_id": self.ctx.user_id,
            "user_name": self.ctx.user_name,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_secs": round(self.duration_secs, 3),
            "end_reason": self.end_reason,
            "lines": [asdict(line) for line in self.lines],
            "tools": [{"at": entry.at, **asdict(entry.event)} for entry in self.tools],
            "latency": [asdict(turn) for turn in self.latency],
        }
        return json.dumps(document, default=_json_default, ensure_ascii=False, indent=1).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a call record")
