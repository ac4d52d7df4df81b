"""A request the fake received, with the views that scenarios and assertions keep needing.

Scripts decide their reply from these views (what did the user just say, which tool result came
back), and tests assert on them (which system prompt, tools and cache markers Claude was sent), so
both read the request the same way instead of each digging through the raw JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]


def prompt_blocks(body: Mapping[str, Any]) -> Iterator[tuple[str, JsonObject]]:
    """Yield every block of the prompt with its location (``messages.2.content.0``).

    The order is tools, then system, then messages: the order in which Anthropic's prompt cache
    builds its prefix, so cache accounting and breakpoint checks can share this walk. A string
    system prompt or message content counts as one text block, as the API treats it.
    """
    for index, tool in enumerate(body.get("tools") or []):
        yield f"tools.{index}", tool
    system = body.get("system")
    if isinstance(system, str):
        yield "system", {"type": "text", "text": system}
    else:
        for index, block in enumerate(system or []):
            yield f"system.{index}", block
    for number, message in enumerate(body.get("messages") or []):
        content = message.get("content")
        if isinstance(content, str):
            yield f"messages.{number}.content", {"type": "text", "text": content}
        else:
            for index, block in enumerate(content or []):
                yield f"messages.{number}.content.{index}", block


def content_blocks(message: Mapping[str, Any]) -> list[JsonObject]:
    """The message's content as a list of blocks (a string content is one text block)."""
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content or [])


@dataclass(frozen=True)
class ToolResult:
    """One ``tool_result`` block, with the name of the tool whose call it answers."""

    tool_use_id: str
    name: str
    """Name of the matching ``tool_use`` in the previous assistant message ("" if none matches)."""
    content: str | list[JsonObject]
    is_error: bool

    @property
    def text(self) -> str:
        """The result's text: the string content, or its text blocks joined."""
        if isinstance(self.content, str):
            return self.content
        return "".join(block.get("text", "") for block in self.content if block.get("type") == "text")

    def json(self) -> Any:
        """The result's text parsed as JSON (Pipecat and the brain send tool results as JSON)."""
        try:
            return json.loads(self.text)
        except ValueError as exc:
            raise ValueError(f"tool result for {self.name!r} is not JSON: {self.text[:200]!r}") from exc


@dataclass(frozen=True)
class RecordedRequest:
    """One ``POST /v1/messages`` exactly as it arrived (body parsed from JSON)."""

    number: int
    """1-based position among the requests the fake received since the last reset."""
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    """Lower-cased header names. Holds ``x-api-key``: assert on it, never print it."""
    body: JsonObject

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def streaming(self) -> bool:
        return bool(self.body.get("stream", False))

    @property
    def system_text(self) -> str:
        """The system prompt as plain text (blocks joined by newlines)."""
        system = self.body.get("system")
        if isinstance(system, str):
            return system
        return "\n".join(block.get("text", "") for block in system or [])

    @property
    def tools(self) -> list[JsonObject]:
        return list(self.body.get("tools") or [])

    @property
    def tool_names(self) -> list[str]:
        return [str(tool.get("name", "")) for tool in self.tools]

    @property
    def messages(self) -> list[JsonObject]:
        return list(self.body.get("messages") or [])

    @property
    def last_user_text(self) -> str:
        """Text blocks of the newest message if it is the user's ("" after a pure tool result)."""
        if not self.messages or self.messages[-1].get("role") != "user":
            return ""
        blocks = content_blocks(self.messages[-1])
        return "\n".join(block.get("text", "") for block in blocks if block.get("type") == "text")

    @property
    def tool_results(self) -> list[ToolResult]:
        """The ``tool_result`` blocks of the newest message, named after the calls they answer."""
        messages = self.messages
        if not messages or messages[-1].get("role") != "user":
            return []
        names: dict[str, str] = {}
        if len(messages) >= 2 and messages[-2].get("role") == "assistant":
            names = {
                str(block.get("id")): str(block.get("name"))
                for block in content_blocks(messages[-2])
                if block.get("type") == "tool_use"
            }
        return [
            ToolResult(
                tool_use_id=str(block.get("tool_use_id")),
                name=names.get(str(block.get("tool_use_id")), ""),
                content=block.get("content", ""),
                is_error=bool(block.get("is_error", False)),
            )
            for block in content_blocks(messages[-1])
            if block.get("type") == "tool_result"
        ]

    def tool_result(self, name: str) -> ToolResult:
        """The newest message's result for tool ``name``; LookupError names what did arrive."""
        for result in self.tool_results:
            if result.name == name:
                return result
        arrived = [result.name or result.tool_use_id for result in self.tool_results]
        raise LookupError(f"request #{self.number} carries no tool result for {name!r} (it has {arrived})")

    @property
    def cache_breakpoints(self) -> list[str]:
        """Locations of the blocks marked with ``cache_control``, in prompt-cache order."""
        return [location for location, block in prompt_blocks(self.body) if "cache_control" in block]

    def summary(self) -> str:
        """One line that identifies the request in a failure message."""
        results = [result.name or result.tool_use_id for result in self.tool_results]
        return (
            f"request #{self.number} (model {self.model!r}, last user text {self.last_user_text[:120]!r}, "
            f"tool results {results})"
        )
