"""What the fake Claude answers, and to which request.

A script is an ordered list of steps. Each request goes to the first step whose predicate accepts
it; a step answers a limited number of times (once by default) and then drops out. A bare reply in
the script is a step that accepts any request, so a plain list of replies plays back in order, and
predicate steps (``on_user``, ``on_tool_result``) keep a scenario working when the code under test
makes an extra or differently ordered call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from testkit.fakes.anthropic.request import JsonObject, RecordedRequest

StopReason = Literal["end_turn", "tool_use", "max_tokens", "refusal", "pause_turn"]


@dataclass(frozen=True)
class Text:
    """A text block of a reply; streamed as several ``text_delta`` chunks."""

    text: str


@dataclass(frozen=True)
class ToolUse:
    """A ``tool_use`` block of a reply; its input is streamed as several ``input_json_delta`` chunks."""

    name: str
    input: JsonObject
    id: str | None = None
    """Fixed tool_use id, or None for a fresh ``toolu_...`` id each time the reply is sent."""


Block = Text | ToolUse


@dataclass(frozen=True)
class Reply:
    """One complete answer of the model."""

    blocks: tuple[Block, ...]
    stop_reason: StopReason


Answer = Reply | str | Callable[[RecordedRequest], Reply | str]
"""A reply, a text shorthand, or a function of the request that returns either."""

Predicate = Callable[[RecordedRequest], bool]


def text(words: str) -> Text:
    if not words:
        raise ValueError("a text block needs text: the API never streams an empty one")
    return Text(words)


def tool_use(name: str, input: Mapping[str, Any] | None = None, *, id: str | None = None) -> ToolUse:
    """A call of tool ``name`` with ``input`` (a JSON object)."""
    if not name:
        raise ValueError("a tool_use block needs the tool's name")
    try:
        copied = json.loads(json.dumps(dict(input or {})))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"input of tool_use {name!r} is not JSON-serializable: {exc}") from exc
    return ToolUse(name=name, input=copied, id=id)


def reply(*blocks: Block | str, stop_reason: StopReason | None = None) -> Reply:
    """A reply made of ``blocks`` (a string is a text block).

    The stop reason defaults to what Claude reports: ``tool_use`` when the reply calls a tool,
    ``end_turn`` otherwise.
    """
    if not blocks:
        raise ValueError("a reply needs at least one block")
    content = tuple(text(block) if isinstance(block, str) else block for block in blocks)
    calls_tool = any(isinstance(block, ToolUse) for block in content)
    if stop_reason == "tool_use" and not calls_tool:
        raise ValueError("stop_reason 'tool_use' needs at least one tool_use block")
    return Reply(blocks=content, stop_reason=stop_reason or ("tool_use" if calls_tool else "end_turn"))


@dataclass
class Step:
    """A scripted answer for the requests ``matches`` accepts, usable ``remaining`` more times."""

    description: str
    matches: Predicate
    answer: Answer
    remaining: int | None = 1
    """How many more requests this step answers; None for every matching request."""

    def reply_to(self, request: RecordedRequest) -> Reply:
        answer = self.answer(request) if callable(self.answer) else self.answer
        if isinstance(answer, str):
            return reply(answer)
        if not isinstance(answer, Reply):
            raise TypeError(f"step {self.description} answered {answer!r}, not a Reply or a string")
        return answer


def on(matches: Predicate, answer: Answer, *, times: int | None = 1, description: str = "") -> Step:
    """Answer requests that ``matches`` accepts."""
    _check_times(times)
    return Step(description or f"on({getattr(matches, '__name__', 'predicate')})", matches, answer, times)


def on_user(phrase: str, answer: Answer, *, times: int | None = 1) -> Step:
    """Answer when the newest user message contains ``phrase`` (case-insensitive)."""
    _check_times(times)
    wanted = phrase.casefold()
    return Step(
        f"on_user({phrase!r})",
        lambda request: wanted in request.last_user_text.casefold(),
        answer,
        times,
    )


def on_tool_result(name: str, answer: Answer, *, times: int | None = 1) -> Step:
    """Answer when the newest message carries the result of a call to tool ``name``."""
    _check_times(times)
    return Step(
        f"on_tool_result({name!r})",
        lambda request: any(result.name == name for result in request.tool_results),
        answer,
        times,
    )


def always(answer: Answer) -> Step:
    """Answer every request that no earlier step took (place it last)."""
    return Step("always", lambda _request: True, answer, None)


def _check_times(times: int | None) -> None:
    if times is not None and times < 1:
        raise ValueError(f"times must be at least 1 or None for unlimited, not {times}")


class Script:
    """The pending steps, consumed as requests arrive."""

    def __init__(self) -> None:
        self._steps: list[Step] = []

    def add(self, *items: Step | Answer) -> None:
        """Append steps; a bare answer becomes a one-time step that accepts any request."""
        for item in items:
            if isinstance(item, Step):
                self._steps.append(item)
            else:
                self._steps.append(Step("any request", lambda _request: True, item))

    def clear(self) -> None:
        self._steps.clear()

    def take(self, request: RecordedRequest) -> Reply | None:
        """The reply of the first step that accepts ``request`` (None when none does)."""
        for step in self._steps:
            if step.matches(request):
                if step.remaining is not None:
                    step.remaining -= 1
                    if step.remaining == 0:
                        self._steps.remove(step)
                return step.reply_to(request)
        return None

    def describe(self) -> str:
        if not self._steps:
            return "the script is empty"
        pending = ", ".join(
            f"{step.description} x{'unlimited' if step.remaining is None else step.remaining}"
            for step in self._steps
        )
        return f"pending steps: {pending}"
