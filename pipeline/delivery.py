"""Which pending changes the caller has heard read out in full: the pipeline's half of the brain's
rule that a yes counts only for a proposal the caller heard to the end.

It sits right after the transport's output, where frames arrive in step with the audio the
caller hears (Pipecat queues them behind the audio before them), and watches for:

- a tool result that asks Claude to put a pending change to the caller (a proposal, or a
  confirmation refused because the caller had not heard it all): the change is now *handed*;
- the start of Claude's next reply: that reply is the one that reads the handed changes out;
- its end, which arrives as its last word starts to play. A reply that said nothing, asked for
  more tools (it was not yet the answer the caller waits for) or was not Claude's at all (the
  apology when no model answers) reads nothing out: a later one will. Otherwise its changes are
  heard once the bot falls silent after it (Pipecat's ``BotStoppedSpeakingFrame``), and the
  brain is told so;
- an interruption before that (the caller spoke over it): what the reply was reading out is
  dropped, so only reading it again counts. Claude learns that when the caller's yes is refused.

The brain keeps the rule; this only reports what was heard.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    TTSTextFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from brain import action_to_read_back

log = logging.getLogger(__name__)

ANSWERS = "harde_answers"
"""Metadata on a reply's ``LLMFullResponseEndFrame``: whether the reply is Claude's answer to the
caller (its own words, asking for no further tools), the only kind that can read a proposal out.
``pipeline.claude.VoiceClaude`` sets it; the end frame is the one thing that follows the reply's
audio all the way to the caller."""

Delivered = Callable[[Sequence[str]], Awaitable[None]]


class _Reply:
    """The reply being played: the changes it reads out, and whether it has said a word yet."""

    def __init__(self, reading: Sequence[str]) -> None:
        self.reading = list(reading)
        self.spoke = False


class ProposalDelivery(FrameProcessor):
    """Tells ``delivered`` (the call's ``ToolBox.delivered``) which proposals were heard in full."""

    def __init__(self, delivered: Delivered) -> None:
        super().__init__()
        self._delivered = delivered
        self._handed: list[str] = []  # given to Claude to read out, not yet heard in full
        self._reply: _Reply | None = None  # the reply being played
        self._finishing: list[str] = []  # read out by a reply whose last word is playing
        self._bot_speaking = False

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction is FrameDirection.DOWNSTREAM:
            await self._watch(frame)
        await self.push_frame(frame, direction)

    async def _watch(self, frame: Frame) -> None:
        if isinstance(frame, FunctionCallResultFrame):
            action_id = action_to_read_back(frame.result) if isinstance(frame.result, dict) else None
            if action_id is not None and action_id not in self._handed:
                self._handed.append(action_id)
        elif isinstance(frame, LLMFullResponseStartFrame):
            self._reply = _Reply(self._handed)
        elif isinstance(frame, TTSTextFrame) and self._reply is not None and frame.text.strip():
            self._reply.spoke = True
        elif isinstance(frame, LLMFullResponseEndFrame) and self._reply is not None:
            reply, self._reply = self._reply, None
            if reply.spoke and frame.metadata.get(ANSWERS, False):
                self._finishing += reply.reading
                if not self._bot_speaking:
                    await self._heard()
        elif isinstance(frame, BotStartedSpeakingFrame):
            self._bot_speaking = True
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._bot_speaking = False
            await self._heard()
        elif isinstance(frame, InterruptionFrame):
            cut_off = self._finishing + (self._reply.reading if self._reply is not None else [])
            self._handed = [action_id for action_id in self._handed if action_id not in cut_off]
            self._reply, self._finishing = None, []

    async def _heard(self) -> None:
        """The bot has fallen silent after reading these out to their last word."""
        heard, self._finishing = self._finishing, []
        if heard:
            self._handed = [action_id for action_id in self._handed if action_id not in heard]
            try:
                await self._delivered(heard)
            except Exception:  # the call goes on; the caller's yes is refused and it is read again
                log.exception("could not record that the caller heard %s in full", ", ".join(heard))
