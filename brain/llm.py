"""Claude through the official SDK: streaming, prompt caching, bounded retries, a fallback model.

The SDK already retries 429/529/5xx and timeouts with backoff (``max_retries``); when the primary
model is still overloaded after that, or the API refuses the request outright (a retired model
answers 404 ``not_found_error``, a request that model cannot take 400 ``invalid_request_error``),
the same request goes to the fallback model, and when that fails too the caller gets
``BrainUnavailable`` so it can apologise instead of going silent (never an HTTP 500).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import anthropic

log = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 1024

TextSink = Callable[[str], Awaitable[None]]


class BrainNotConfigured(Exception):
    """No Anthropic key: say so plainly rather than failing mysteriously."""


class BrainUnavailable(Exception):
    """Every model failed (overloaded, down, or timing out)."""


@dataclass(frozen=True)
class LLMReply:
    content: list[dict[str, Any]]  # assistant content blocks, ready to go back into history
    stop_reason: str | None
    model: str
    input_tokens: int
    output_tokens: int

    @property
    def text(self) -> str:
        return "".join(block["text"] for block in self.content if block["type"] == "text")

    @property
    def tool_uses(self) -> list[dict[str, Any]]:
        return [block for block in self.content if block["type"] == "tool_use"]


def fails_over(error: Exception) -> bool:
    """Whether to try the next model (then apologise) rather than fail the turn: any answer the API
    gives with an error status, and no answer at all (connection lost, timeout).

    Overload and outages may pass; a 404 is how the API refuses a model it does not serve (retired,
    or not offered to this account); a 400 may be about this model (a parameter it does not take),
    and when it is about the request itself the fallback fails the same way and the caller hears an
    apology instead of an error page. Only the caller's own bugs (not API errors) propagate."""
    return isinstance(
        error, anthropic.APIStatusError | anthropic.APIConnectionError | anthropic.APITimeoutError
    )


def with_cache_breakpoint(tools: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark the end of the tool list so tools + stable system prompt are cached together."""
    marked = [dict(tool) for tool in tools]
    if marked:
        marked[-1]["cache_control"] = {"type": "ephemeral"}
    return marked


class Claude:
    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
    ) -> None:
        self._client = (
            anthropic.AsyncAnthropic(
                api_key=api_key,
                base_url=base_url,
                max_retries=max_retries,
                timeout=timeout,
            )
            if api_key
            else None
        )

    @property
    def configured(self) -> bool:
        return self._client is not None

    @property
    def client(self) -> anthropic.AsyncAnthropic:
        if self._client is None:
            raise BrainNotConfigured("ANTHROPIC_API_KEY is not set, so Hard-E cannot think yet.")
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def reply(
        self,
        *,
        models: Sequence[str],
        system: list[dict[str, Any]],
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        max_tokens: int = DEFAULT_MAX_TOKENS,
        on_text: TextSink | None = None,
    ) -> LLMReply:
        """One assistant message, trying each model in turn while they are overloaded or down."""
        client = self.client
        tried: list[str] = []
        for model in dict.fromkeys(models):  # primary, then the fallback if different
            try:
                return await self._stream(client, model, system, messages, tools, max_tokens, on_text)
            except Exception as error:
                if not fails_over(error):
                    raise
                tried.append(f"{model}: {type(error).__name__}")
                log.warning("Claude model %s failed (%s); trying the next one", model, error)
        raise BrainUnavailable("no model answered (" + "; ".join(tried) + ")")

    async def _stream(
        self,
        client: anthropic.AsyncAnthropic,
        model: str,
        system: list[dict[str, Any]],
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        max_tokens: int,
        on_text: TextSink | None,
    ) -> LLMReply:
        tool_args: dict[str, Any] = {"tools": with_cache_breakpoint(tools)} if tools else {}
        async with client.messages.stream(
            model=model,
            max_tokens=max_tokens,
            system=system,  # type: ignore[arg-type]
            messages=messages,  # type: ignore[arg-type]
            **tool_args,
        ) as stream:
            if on_text is not None:
                async for chunk in stream.text_stream:
                    await on_text(chunk)
            final = await stream.get_final_message()
        content = [
            block.model_dump(mode="json", exclude_none=True)
            for block in final.content
            if block.type in ("text", "tool_use")
        ]
        return LLMReply(
            content=content,
            stop_reason=final.stop_reason,
            model=final.model,
            input_tokens=final.usage.input_tokens,
            output_tokens=final.usage.output_tokens,
        )
