"""Claude's tool calls on a call, run by the brain's ``ToolBox``: the same policy, confirmation
and audit as typed conversations, because it is the same code.

Every tool name goes to one catch-all handler. The handler:
- yields once before doing anything, so every sibling call of the same reply has announced itself
  to the assistant aggregator before any result arrives (otherwise Pipecat may answer Claude with
  a sibling still "IN_PROGRESS" and ask it again when that one finishes);
- shields the ToolBox call, so a caller barging in cancels the wait, not a half-done CRM change
  (the outcome still reaches the audit log and the call's tool log);
- stops Claude from being asked again when the tool ended the call (end_call, transfer_call).

While a reply's tools take longer than ``filler_after`` seconds, the caller hears a short filler
line, at most once per user turn and never when Claude already said something in that reply.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import FunctionCallFromLLM, FunctionCallResultProperties
from pipecat.services.llm_service import FunctionCallParams, LLMService

from brain import ToolBox, ToolEvent, ToolOutcome, ToolStatus, meta
from pipeline.claude import VoiceClaude
from pipeline.phrases import LEAP_BUSY, filler

Say = Callable[[str], Awaitable[None]]
EventSink = Callable[[ToolEvent], Awaitable[None]]


class ToolBridge:
    def __init__(
        self,
        llm: VoiceClaude,
        toolbox: ToolBox,
        *,
        say: Say,
        on_event: EventSink,
        call_ending: Callable[[], bool],
        filler_after: float,
    ) -> None:
        self._toolbox = toolbox
        self._say = say
        self._on_event = on_event
        self._call_ending = call_ending
        self._filler_after = filler_after
        self._running: set[str] = set()
        self._settled = asyncio.Event()
        self._filler_turn = -1
        self._filler_tasks: set[asyncio.Task[None]] = set()
        self._llm = llm
        llm.register_function(None, self._handle)
        llm.add_event_handler("on_function_calls_started", self._calls_started)
        llm.add_event_handler("on_function_calls_cancelled", self._calls_cancelled)

    async def close(self) -> None:
        for task in list(self._filler_tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _handle(self, params: FunctionCallParams) -> None:
        await asyncio.sleep(0)  # let sibling calls announce themselves first (see module docstring)
        try:
            outcome = await asyncio.shield(self._run(params.function_name, params.arguments))
        finally:
            self._finished(params.tool_call_id)
        properties = FunctionCallResultProperties(run_llm=False) if self._call_ending() else None
        await params.result_callback(outcome.content, properties=properties)

    async def _run(self, name: str, args: Mapping[str, Any]) -> ToolOutcome:
        outcome = await self._toolbox.call(name, args)
        if outcome.event.status is ToolStatus.BUSY and name not in meta.NAMES and not self._call_ending():
            # The company's Leap budget is queued full: say so, then try once more. Only CRM tools:
            # a read, or the read-only preparing of a write; a confirmation or undo is not repeated.
            await self._say(LEAP_BUSY)
            outcome = await self._toolbox.call(name, args)
        await self._on_event(outcome.event)
        return outcome

    async def _calls_started(self, _llm: LLMService[Any], calls: Sequence[FunctionCallFromLLM]) -> None:
        self._running.update(call.tool_call_id for call in calls)
        self._settled.clear()
        turn = self._toolbox.state.turn
        if self._filler_turn != turn and not self._llm.reply_has_words:
            pairs = [(call.function_name, call.arguments) for call in calls]
            task = asyncio.create_task(self._filler_if_slow(turn, filler(pairs)))
            self._filler_tasks.add(task)
            task.add_done_callback(self._filler_tasks.discard)

    async def _calls_cancelled(self, _llm: LLMService[Any], calls: Sequence[FunctionCallFromLLM]) -> None:
        for call in calls:
            self._finished(call.tool_call_id)

    def _finished(self, tool_call_id: str) -> None:
        self._running.discard(tool_call_id)
        if not self._running:
            self._settled.set()

    async def _filler_if_slow(self, turn: int, line: str) -> None:
        try:
            await asyncio.wait_for(self._settled.wait(), self._filler_after)
        except TimeoutError:
            if self._toolbox.state.turn == turn and not self._call_ending():
                self._filler_turn = turn
                await self._say(line)


def tools_schema(toolbox: ToolBox) -> ToolsSchema:
    """The brain's tool specs (CRM tools, and the meta tools of a call) in Pipecat's form."""
    functions = []
    for spec in toolbox.specs():
        schema = spec["input_schema"]
        functions.append(
            FunctionSchema(
                name=spec["name"],
                description=spec["description"],
                properties=schema.get("properties", {}),
                required=list(schema.get("required", [])),
            )
        )
    return ToolsSchema(standard_tools=functions)
