"""Each user turn, between the user aggregator and Claude: tell the brain a turn began, and add
what Claude should know for it.

The brain's confirmation rule needs the turn boundary: ``confirm_action`` only runs in a LATER
turn than the proposal, and only when that turn's words are a plain yes. So ``TurnState`` must
move on with the caller's words before Claude can call a tool for them, and this processor sees
every user turn's context on its way to Claude, which makes it the one reliable place.

The per-turn facts (from the brain's ``TurnContextService``, the same as a typed conversation
gets: who, the time, memories and company documents the words bring up) go in as a developer
message just before the caller's words. The system prompt stays byte-identical across turns and
calls, so Anthropic's prompt cache keeps serving it, and earlier turns are never rewritten, so
the cached conversation prefix keeps matching too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pipecat.frames.frames import Frame, LLMContextFrame
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from brain import TurnState

TurnFacts = Callable[[str], Awaitable[str]]


def user_text(message: Any) -> str | None:
    """The words of a user message in the context, or None when it is not the caller speaking."""
    if not isinstance(message, dict) or message.get("role") != "user":
        return None
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if part.get("type") == "text")
    return None


class TurnContext(FrameProcessor):
    def __init__(self, *, state: TurnState, facts: TurnFacts) -> None:
        super().__init__()
        self._state = state
        self._facts = facts
        self._last_turn: Any = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMContextFrame) and direction is FrameDirection.DOWNSTREAM:
            await self._begin_turn(frame.context)
        await self.push_frame(frame, direction)

    async def _begin_turn(self, context: LLMContext) -> None:
        messages = list(context.get_messages())
        if not messages or messages[-1] is self._last_turn:
            return
        text = user_text(messages[-1])
        if text is None:
            return
        self._last_turn = messages[-1]
        self._state.next_turn(text)
        note = {"role": "developer", "content": await self._facts(text)}
        context.set_messages([*messages[:-1], note, messages[-1]])  # type: ignore[list-item]
