"""The request checks Claude applies that our code can plausibly get wrong.

A fake that accepted anything would let a broken conversation history pass every test and fail
only against the real API. So the fake rejects, with Anthropic's wording, what the API rejects
with a 400: missing fields, empty text blocks, tool results that do not answer the previous
message's tool calls (the shape the multi-tool_use fix must get right), and more than four
``cache_control`` markers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from testkit.fakes.anthropic.request import JsonObject, content_blocks, prompt_blocks

MAX_CACHE_BREAKPOINTS = 4


def find_problem(body: JsonObject) -> str | None:
    """Anthropic's error message for the first problem in ``body``, or None if it is valid."""
    checks: tuple[Callable[[JsonObject], str | None], ...] = (
        _fields,
        _messages,
        _tool_results,
        _cache_breakpoints,
    )
    for check in checks:
        problem = check(body)
        if problem:
            return problem
    return None


def _fields(body: JsonObject) -> str | None:
    model, max_tokens, messages = body.get("model"), body.get("max_tokens"), body.get("messages")
    if not isinstance(model, str) or not model:
        return "model: Field required"
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        return "max_tokens: Field required"
    if max_tokens < 1:
        return "max_tokens: Input should be greater than or equal to 1"
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if "stream" in body and not isinstance(body["stream"], bool):
        return "stream: Input should be a valid boolean"
    system = body.get("system")
    if system is not None and not isinstance(system, str) and not _blocks_of_type(system, "text"):
        return "system: Input should be a valid string or a list of text blocks"
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        return "tools: Input should be a valid list"
    for index, tool in enumerate(tools or []):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            return f"tools.{index}.name: Field required"
        if tool.get("type", "custom") == "custom" and not isinstance(tool.get("input_schema"), dict):
            return f"tools.{index}.custom.input_schema: Field required"
    return None


def _messages(body: JsonObject) -> str | None:
    messages = body["messages"]
    for number, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            return f"messages.{number}.role: Input should be 'user' or 'assistant'"
        content = message.get("content")
        is_prefill = number + 1 == len(messages) and message["role"] == "assistant"
        if not content and not is_prefill:
            return (
                f"messages.{number}: all messages must have non-empty content except for the optional "
                "final assistant message"
            )
        if isinstance(content, str):
            continue
        if not isinstance(content, list) or not all(
            isinstance(block, dict) and isinstance(block.get("type"), str) for block in content
        ):
            return f"messages.{number}.content: Input should be a valid string or a list of content blocks"
        for index, block in enumerate(content):
            if block["type"] == "text" and not block.get("text"):
                return f"messages.{number}.content.{index}.text: text content blocks must be non-empty"
    return None


def _tool_results(body: JsonObject) -> str | None:
    messages = body["messages"]
    for number, message in enumerate(messages):
        blocks = content_blocks(message)
        if message["role"] == "user":
            previous = content_blocks(messages[number - 1]) if number > 0 else []
            called = {block.get("id") for block in previous if block.get("type") == "tool_use"}
            for index, block in enumerate(blocks):
                if block["type"] == "tool_result" and block.get("tool_use_id") not in called:
                    return (
                        f"messages.{number}.content.{index}: unexpected `tool_use_id` found in `tool_result` "
                        f"blocks: {block.get('tool_use_id')}. Each `tool_result` block must have a "
                        "corresponding `tool_use` block in the previous message."
                    )
            continue
        calls = [block.get("id") for block in blocks if block["type"] == "tool_use"]
        if not calls or number + 1 == len(messages):
            continue
        following = content_blocks(messages[number + 1])
        leading = _leading_tool_results(following)
        answered = {block.get("tool_use_id") for block in following if block["type"] == "tool_result"}
        missing = [call for call in calls if call not in answered]
        if missing:
            return (
                f"messages.{number}: `tool_use` ids were found without `tool_result` blocks immediately "
                f"after: {', '.join(map(str, missing))}. Each `tool_use` block must have a corresponding "
                "`tool_result` block in the next message."
            )
        if leading < len(calls):
            return (
                f"messages.{number + 1}: Did not find {len(calls)} tool_result block(s) at the beginning of "
                "this message. Messages following tool_use blocks must begin with a matching number of "
                "tool_result blocks."
            )
    return None


def _leading_tool_results(blocks: list[JsonObject]) -> int:
    count = 0
    for block in blocks:
        if block["type"] != "tool_result":
            break
        count += 1
    return count


def _cache_breakpoints(body: JsonObject) -> str | None:
    found = sum(1 for _location, block in prompt_blocks(body) if "cache_control" in block)
    if found > MAX_CACHE_BREAKPOINTS:
        return (
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found {found}."
        )
    return None


def _blocks_of_type(value: Any, block_type: str) -> bool:
    return isinstance(value, list) and all(
        isinstance(block, dict) and block.get("type") == block_type for block in value
    )
