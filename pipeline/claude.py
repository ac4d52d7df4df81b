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

Each reply's end frame also says whether the reply is Claude's answer to the caller, asking for no
tools (``pipeline.delivery`` needs to know which reply reads a proposal out; the apology is not).

Pipecat also stores each call of a reply as its own assistant/tool pair, so the next request
would show Claude's parallel calls as a string of one-tool rounds, which teaches it to stop
calling tools in parallel. The calls of one reply are put back into one assistant message and
their results into the one user message after it (``regroup_parallel_calls``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, cast

from anthropic.types.beta import (
    BetaMessageDeltaUsage,
    BetaRawContentBlockDeltaEvent,
    BetaRawMessageDeltaEvent,
    BetaRawMessageStreamEvent,
    BetaTextDelta,
)
from anthropic.types.beta.beta_raw_message_delta_event import Delta
from pipecat.frames.frames import Frame, LLMFullResponseEndFrame
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.anthropic.llm import AnthropicLLMService

from brain import fails_over
from pipeline.delivery import ANSWERS

log = logging.getLogger(__name__)


Events = AsyncIterator[BetaRawMessageStreamEvent]
Message = dict[str, Any]


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


def regroup_parallel_calls(messages: list[Message], reply_of: dict[str, int]) -> list[Message]:
    """Merge [assistant(tool_use A), user(result A), assistant(tool_use B), user(result B), ...]
    into [assistant(A, B), user(result A, result B)] when ``reply_of`` says A and B came from the
    same reply; calls from later rounds stay where they are."""
    merged: list[Message] = []
    for message in messages:
        if len(merged) >= 3 and _continues_reply(merged[-3], merged[-2], merged[-1], message, reply_of):
            merged[-3]["content"] = [*merged[-3]["content"], *merged[-1]["content"]]
            merged.pop()
            merged[-1]["content"] = [*merged[-1]["content"], *message["content"]]
            continue
        merged.append(dict(message))  # a copy: the context's own messages stay as they are
    return merged


def _continues_reply(
    calls: Message, results: Message, more_calls: Message, more_results: Message, reply_of: dict[str, int]
) -> bool:
    """Whether ``more_calls``/``more_results`` are further calls of the reply behind ``calls``."""
    if calls["role"] != "assistant" or more_results["role"] != "user":
        return False
    if not (_only(results, "tool_result") and _only(more_calls, "tool_use")):
        return False
    if not _blocks(more_results) or _blocks(more_results)[0].get("type") != "tool_result":
        return False
    first = {reply_of.get(block.get("id", "")) for block in _blocks(calls) if block.get("type") == "tool_use"}
    later = {reply_of.get(block.get("id", "")) for block in _blocks(more_calls)}
    return len(first) == 1 and None not in first and first == later


def _blocks(message: Message) -> list[dict[str, Any]]:
    content = message.get("content")
    return content if isinstance(content, list) else []


def _only(message: Message, kind: str) -> bool:
    blocks = _blocks(message)
    return bool(blocks) and all(block.get("type") == kind for block in blocks)


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
        self._reply_answers = False  # Claude's own words for the caller, asking for no tools
        self._replies = 0
        self._reply_of: dict[str, int] = {}  # tool_use id -> which reply asked for it

    async def _create_message_stream(
        self, api_call: Callable[..., Awaitable[Any]], params: dict[str, Any]
    ) -> Events:
        self.reply_has_words = False
        self._reply_answers = False
        tried: list[str] = []
        for model in self._models:
            try:
                stream = await super()._create_message_stream(  # type: ignore[no-untyped-call]
                    api_call, {**params, "model": model}
                )
            except Exception as error:
                if not fails_over(error):
                    raise
                tried.append(f"{model}: {type(error).__name__}")
                log.warning("Claude model %s failed on a call (%s); trying the next one", model, error)
                continue
            self._reply_answers = True  # until it asks for a tool
            return self._noting_words(every_tool_use(_closing(stream)))
        log.error("no Claude model answered on a call (%s); apologising", "; ".join(tried))
        return self._noting_words(spoken_text(self._apology))

    async def _get_llm_invocation_params(self, context: Any) -> Any:
        params = await super()._get_llm_invocation_params(context)
        messages = cast(list[Message], params["messages"])
        params["messages"] = cast(Any, regroup_parallel_calls(messages, self._reply_of))
        return params

    async def _noting_words(self, events: Events) -> Events:
        """Note what the reply says and which tool calls it makes, as it streams."""
        self._replies += 1
        async for event in events:
            if event.type == "content_block_delta" and event.delta.type == "text_delta" and event.delta.text:
                self.reply_has_words = True
            elif event.type == "content_block_start" and event.content_block.type == "tool_use":
                self._reply_of[event.content_block.id] = self._replies
                self._reply_answers = False
            yield event

    async def push_frame(self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM) -> None:
        if isinstance(frame, LLMFullResponseEndFrame):
            frame.metadata[ANSWERS] = self._reply_answers
        await super().push_frame(frame, direction)


async def _closing(stream: Any) -> Events:
    """Iterate the SDK's stream and close its HTTP response however iteration ends (an
    interruption cancels the reply mid-stream)."""
    try:
        async for event in stream:
            yield event
    finally:
        await stream.close()
