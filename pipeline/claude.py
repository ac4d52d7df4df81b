"""Claude inside the pipeline: Pipecat's Anthropic service with three corrections for calls.

1. Every ``tool_use`` block runs. Pipecat 1.14 keeps one "current" tool block and turns it into a
   call only at the final ``message_delta(stop_reason="tool_use")``, so when Claude asks for two
   tools in one reply only the last one runs and the other is silently lost. The event stream is
   therefore rewritten: before each further ``tool_use`` block starts, a synthetic
   ``message_delta(stop_reason="tool_use")`` closes the previous one, so Pipecat records it.
   This leans on Pipecat's private stream handling; ``tests/pipeline/test_claude.py`` holds it
   to the promise against the fake Anthropic server.
2. The tenant's fallback model answers when the voice model is overloaded, rate limited or down
   (the SDK has already retried by then), as ``brain.Claude`` does for typed conversations.
3. When no model answers, the caller hears an apology instead of silence and the call goes on.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import anthropic
from anthropic.types.beta import (
    BetaMessageDeltaUsage,
    BetaRawContentBlockDeltaEvent,
    BetaRawMessageDeltaEvent,
    BetaRawMessageStreamEvent,
    BetaTextDelta,
)
from anthropic.types.beta.beta_raw_message_delta_event import Delta
from pipecat.services.anthropic.llm import AnthropicLLMService

log = logging.getLogger(__name__)

# Worth asking another model: overloaded, rate limited, server trouble, or no answer at all.
_ANOTHER_MODEL_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})

Events = AsyncIterator[BetaRawMessageStreamEvent]


def worth_another_model(error: BaseException) -> bool:
    if isinstance(error, anthropic.APIStatusError):
        return error.status_code in _ANOTHER_MODEL_STATUS
    return isinstance(error, anthropic.APIConnectionError)


def _tool_use_finished() -> BetaRawMessageDeltaEvent:
    """What Pipecat takes as the end of a tool_use block (it carries no usage of its own)."""
    return BetaRawMessageDeltaEvent(
        type="message_delta",
        delta=Delta(stop_reason="tool_use"),
        usage=BetaMessageDeltaUsage(output_tokens=0),
    )


async def every_tool_use(events: Events) -> Events:
    """Pass the stream through, closing each tool_use block before the next one opens."""
    tool_block_open = False
    async for event in events:
        if event.type == "content_block_start" and event.content_block.type == "tool_use":
            if tool_block_open:
                yield _tool_use_finished()
            tool_block_open = True
        yield event


async def spoken_text(text: str) -> Events:
    """A reply stream that only says ``text``: how the apology reaches the caller's ears."""
    yield BetaRawContentBlockDeltaEvent(
        type="content_block_delta", index=0, delta=BetaTextDelta(type="text_delta", text=text)
    )


class VoiceClaude(AnthropicLLMService):
    """``AnthropicLLMService`` that runs every requested tool, falls back, and apologises."""

    def __init__(self, *, models: Sequence[str], apology: str, **kwargs: Any) -> None:
        """``models``: the voice model first, then the fallback (a repeat is tried once)."""
        super().__init__(**kwargs)
        self._models = list(dict.fromkeys(models))
        self._apology = apology
        self.reply_has_words = False
        """Whether the reply being streamed has said anything yet (a filler would be redundant)."""

    async def _create_message_stream(
        self, api_call: Callable[..., Awaitable[Any]], params: dict[str, Any]
    ) -> Events:
        self.reply_has_words = False
        tried: list[str] = []
        for model in self._models:
            try:
                stream = await super()._create_message_stream(  # type: ignore[no-untyped-call]
                    api_call, {**params, "model": model}
                )
            except Exception as error:
                if not worth_another_model(error):
                    raise
                tried.append(f"{model}: {type(error).__name__}")
                log.warning("Claude model %s failed on a call (%s); trying the next one", model, error)
                continue
            return self._noting_words(every_tool_use(_closing(stream)))
        log.error("no Claude model answered on a call (%s); apologising", "; ".join(tried))
        return self._noting_words(spoken_text(self._apology))

    async def _noting_words(self, events: Events) -> Events:
        async for event in events:
            if event.type == "content_block_delta" and event.delta.type == "text_delta" and event.delta.text:
                self.reply_has_words = True
            yield event


async def _closing(stream: Any) -> Events:
    """Iterate the SDK's stream and close its HTTP response however iteration ends (an
    interruption cancels the reply mid-stream)."""
    try:
        async for event in stream:
            yield event
    finally:
        await stream.close()
