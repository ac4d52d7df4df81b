"""Ending a call after its last words have been heard.

A call ends by queueing its goodbye line and then a ``HangUpFrame`` at the head of the pipeline.
Both travel the way every reply does: behind any reply Claude is still streaming (the LLM
handles frames in order), then behind the audio the TTS is still producing (Pipecat queues
non-system frames behind open audio contexts), then through the output transport after the
audio before them has been written. So when ``CallEnder``, placed right after the output
transport, receives the frame, the caller has heard everything: only then may a transfer
happen and the worker end. Neither frame can be dropped by a caller talking over the goodbye,
and the caller is muted from then on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pipecat.frames.frames import DataFrame, Frame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.turns.user_mute import BaseUserMuteStrategy

from pipeline.record import EndReason

BeforeEnd = Callable[[], Awaitable[None]]


@dataclass
class HangUpFrame(DataFrame):
    """The call's last frame: everything queued before it has been said."""

    interruptible: bool = field(default=False, init=False)


@dataclass(frozen=True)
class Ending:
    reason: EndReason
    before_end: BeforeEnd | None = None  # e.g. the transport's transfer, once the line was heard


class CallEnder(FrameProcessor):
    """Sits right after the output transport and ends the call when the HangUpFrame gets there."""

    def __init__(self, hang_up: Callable[[], Awaitable[None]]) -> None:
        super().__init__()
        self._hang_up = hang_up

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, HangUpFrame):
            await self._hang_up()
            return
        await self.push_frame(frame, direction)


class MuteWhileEnding(BaseUserMuteStrategy):
    """Once the call is ending, the caller's speech neither interrupts the goodbye nor starts a turn."""

    def __init__(self, ending: Callable[[], bool]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._ending = ending

    async def process_frame(self, frame: Frame) -> bool:
        return self._ending()
