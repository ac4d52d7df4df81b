"""A typed conversation turn, end to end. Read top to bottom, this is how Hard-E thinks:

1. take the session lock and load the history (Redis, so any worker can continue it);
2. note the new user turn (confirmations are only valid in a later turn than their proposal);
3. build the system prompt: rules + soul (cached), then what ``TurnContextService`` finds for the
   turn (caller, time, memory, knowledge), exactly as a call gets it;
4. ask Claude; if it asked for tools, run ALL of them concurrently and send every result back in
   one message; repeat until it answers in words, at most ``MAX_ROUNDS`` times;
5. save the history (folding its oldest half into a rolling summary once it grows past
   ``HISTORY_MESSAGES``) and return the reply with what every tool did;
6. report the pending changes that reply put to the user as delivered: it is on their screen, so
   a yes in their next message counts (on a call, the pipeline reports that once heard in full).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from redis.exceptions import LockNotOwnedError

from brain.history import SessionLog, TypedLine
from brain.llm import BrainNotConfigured, BrainUnavailable, Claude, LLMReply, TextSink
from brain.summary import fold
from brain.toolbox import ToolBox, ToolEvent, action_to_read_back
from brain.turn_context import TurnContextService
from core.keys import tenant_key
from core.redis import Redis, as_str
from memory import Line
from tenants import Tenant

log = logging.getLogger(__name__)

MAX_ROUNDS = 6
HISTORY_MESSAGES = 40
HISTORY_TTL_SECONDS = 7 * 24 * 3600
LOCK_TTL_S = 120.0
LOCK_WAIT_S = 30.0

APOLOGY = "Sorry, I'm having trouble thinking right now. Give me a minute and try again."
NOT_CONFIGURED = (
    "I can't think yet: this Hard-E has no Anthropic API key. An administrator needs to set "
    "ANTHROPIC_API_KEY."
)
TOO_MANY_ROUNDS = "I went around in circles on that one. Can you ask it a different way?"

EventSink = Callable[[ToolEvent], Awaitable[None]]


class ConversationBusy(Exception):
    """Another request of the same conversation is still running."""


@dataclass
class TurnResult:
    reply: str
    events: list[ToolEvent] = field(default_factory=list)
    model: str | None = None
    rounds: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    read_back: list[str] = field(default_factory=list)
    """Pending changes (action ids) this reply puts to the user; empty when Claude never answered."""

    @property
    def answered(self) -> bool:
        """Whether a model answered at all (not: Hard-E cannot think yet, or every model was down)."""
        return self.rounds > 0


def history_key(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "conv", session_id)


async def transcript(redis: Redis, tenant_id: str, session_id: str) -> list[Line]:
    """What was said in a typed conversation, as plain lines (tool traffic left out)."""
    state = json.loads(as_str(await redis.get(history_key(tenant_id, session_id))) or '{"messages": []}')
    lines: list[Line] = []
    for message in state["messages"]:
        content = message["content"]
        texts = (
            [content] if isinstance(content, str) else [b["text"] for b in content if b.get("type") == "text"]
        )
        role: Literal["caller", "assistant"] = "caller" if message["role"] == "user" else "assistant"
        lines += [Line(role, text) for text in texts if text.strip()]
    return lines


def split_history(
    messages: list[dict[str, Any]], keep: int = HISTORY_MESSAGES // 2
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(older, newer): the newest ``keep`` or fewer messages, starting at a plain user message
    (never at a dangling tool result), and everything before them."""
    start = max(0, len(messages) - keep)
    for index in range(start, len(messages)):
        message = messages[index]
        if message["role"] == "user" and isinstance(message["content"], str):
            return messages[:index], messages[index:]
    return messages, []


class Conversation:
    def __init__(
        self,
        *,
        redis: Redis,
        claude: Claude,
        tenant: Tenant,
        toolbox: ToolBox,
        context: TurnContextService,
        history: SessionLog | None = None,
    ) -> None:
        self._redis = redis
        self._claude = claude
        self._tenant = tenant
        self._toolbox = toolbox
        self._context = context
        self._history = history

    @property
    def ctx(self) -> Any:
        return self._toolbox.ctx

    async def send(
        self, text: str, *, on_text: TextSink | None = None, on_event: EventSink | None = None
    ) -> TurnResult:
        key = history_key(self.ctx.tenant_id, self.ctx.session_id)
        async with self._locked(key):
            said = TypedLine("caller", text, datetime.now(UTC))
            if self._history is not None:
                await self._history.open(self.ctx, said.at)
            state = json.loads(as_str(await self._redis.get(key)) or '{"turn": 0, "messages": []}')
            messages: list[dict[str, Any]] = state["messages"]
            summary: str = state.get("summary", "")
            self._toolbox.state.turn = state["turn"]
            self._toolbox.state.next_turn(text)
            messages.append({"role": "user", "content": text})
            result = await self._think(messages, text, summary, on_text, on_event)
            if result.reply:
                messages.append({"role": "assistant", "content": result.reply})
            if len(messages) > HISTORY_MESSAGES:
                older, messages = split_history(messages)
                summary = await fold(self._claude, self._tenant.models.fallback_model, summary, older)
            state = {"turn": self._toolbox.state.turn, "messages": messages, "summary": summary}
            await self._redis.set(key, json.dumps(state), ex=HISTORY_TTL_SECONDS)
            await self._toolbox.delivered(result.read_back)
            if self._history is not None:
                answer = TypedLine("assistant", result.reply, datetime.now(UTC)) if result.reply else None
                await self._history.typed_turn(self.ctx, said, answer)
            return result

    async def _think(
        self,
        messages: list[dict[str, Any]],
        text: str,
        summary: str,
        on_text: TextSink | None,
        on_event: EventSink | None,
    ) -> TurnResult:
        facts = await self._context.turn(self.ctx, text)
        system = facts.system(summary)
        tools = self._toolbox.specs()
        models = [self._tenant.models.text_model, self._tenant.models.fallback_model]
        result = TurnResult(reply="")
        handed: list[str] = []  # pending changes whose summaries Claude has been given to read out
        for _ in range(MAX_ROUNDS):
            try:
                reply = await self._claude.reply(
                    models=models, system=system, messages=messages, tools=tools, on_text=on_text
                )
            except BrainNotConfigured:
                result.reply = NOT_CONFIGURED
                return result
            except BrainUnavailable as error:
                log.error("conversation %s: %s", self.ctx.session_id, error)
                result.reply = APOLOGY
                return result
            self._account(result, reply)
            if not reply.tool_uses:
                result.reply = reply.text
                result.read_back = handed
                return result
            messages.append({"role": "assistant", "content": reply.content})
            results = await self._run_tools(reply, result, handed, on_event)
            messages.append({"role": "user", "content": results})
        result.reply = TOO_MANY_ROUNDS
        return result

    @staticmethod
    def _account(result: TurnResult, reply: LLMReply) -> None:
        result.rounds += 1
        result.model = reply.model
        result.input_tokens += reply.input_tokens
        result.output_tokens += reply.output_tokens

    async def _run_tools(
        self, reply: LLMReply, result: TurnResult, handed: list[str], on_event: EventSink | None
    ) -> list[dict[str, Any]]:
        """Every tool_use of the reply, concurrently; results in the order they were asked for.
        ``handed`` collects the pending changes the results ask Claude to read to the user."""
        uses = reply.tool_uses
        outcomes = await asyncio.gather(*(self._toolbox.call(use["name"], use["input"]) for use in uses))
        blocks = []
        for use, outcome in zip(uses, outcomes, strict=True):
            result.events.append(outcome.event)
            if (action_id := action_to_read_back(outcome.content)) is not None:
                handed.append(action_id)
            if on_event is not None:
                await on_event(outcome.event)
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": use["id"],
                "content": outcome.as_text(),
            }
            if outcome.is_error:
                block["is_error"] = True
            blocks.append(block)
        return blocks

    @contextlib.asynccontextmanager
    async def _locked(self, key: str) -> AsyncIterator[None]:
        """One request per conversation at a time, across workers (redis-py's owner-token lock)."""
        lock = self._redis.lock(
            f"{key}:lock", timeout=LOCK_TTL_S, blocking_timeout=LOCK_WAIT_S, sleep=0.05, thread_local=False
        )
        if not await lock.acquire():
            raise ConversationBusy("this conversation is still answering the previous message")
        try:
            yield
        finally:
            with contextlib.suppress(LockNotOwnedError):  # it expired: the next request already went on
                await lock.release()
