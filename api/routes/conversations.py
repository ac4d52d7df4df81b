"""Typed conversations with Hard-E: the same brain, tools, policy, memory and knowledge as a call.

Each message counts against a trial's messages before it is answered (atomically: concurrent
messages can never overshoot the allowance). Answers come whole, or streamed as server-sent
events from ``.../messages/stream``: ``text`` (a piece of the reply), ``tool`` (a tool ran), then
``done`` (the whole answer) or ``error``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field

from api.auth import tenant_caller
from api.conversations import call_context
from api.deps import Admin, AdminDeps
from api.principals import TenantCredential
from api.problems import (
    CONVERSATION_BUSY,
    CONVERSATION_NOT_FOUND,
    INSUFFICIENT_SCOPE,
    INTERNAL_ERROR,
    TENANT_NOT_FOUND,
    TRIAL_EXPIRED,
    TRIAL_LIMIT_REACHED,
    ApiProblem,
    Problem,
    ProblemType,
    documented,
)
from api.routes.common import AUTH_PROBLEMS
from api.trials import ensure_trial_active, refusal
from brain import Conversation, ConversationBusy, ToolEvent, TurnResult
from core import claude_models
from tenants import Scope, UsageMeter
from tenants.models import utcnow

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/conversations", tags=["conversations"], max_body_size=64 * 1024)

Caller = Annotated[TenantCredential, Depends(tenant_caller(Scope.CONVERSATIONS))]
ConversationId = Annotated[str, Path(min_length=1, max_length=64, examples=["c_4b1e9d0f2a7c3e5d6b8a"])]
_SEND_PROBLEMS = (
    *AUTH_PROBLEMS,
    INSUFFICIENT_SCOPE,
    CONVERSATION_NOT_FOUND,
    TRIAL_EXPIRED,
    TRIAL_LIMIT_REACHED,
)
_BUSY_DETAIL = "This conversation is still answering the previous message; send this one when it is done."


class ConversationOut(BaseModel):
    id: str
    created_at: datetime


class MessageIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": "What's on my schedule today?"}]}
    )

    text: str = Field(min_length=1, max_length=4000)


class ToolEventOut(BaseModel):
    tool: str
    status: str = Field(description="ok, pending, confirmed, cancelled, undone, refused or error.")
    summary: str
    latency_ms: float
    action_id: str | None = Field(description="A pending change waiting for a yes in the next message.")

    @classmethod
    def of(cls, event: ToolEvent) -> ToolEventOut:
        return cls(
            tool=event.tool,
            status=event.status,
            summary=event.summary,
            latency_ms=round(event.latency_ms, 1),
            action_id=event.action_id,
        )


class CitationOut(BaseModel):
    document: str = Field(description="The knowledge document's name, as uploaded.")
    heading: str = Field(description="The passage's heading path in that document ('Warranty > Labor').")


class MessageOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reply": "You have two appointments today: the Smith inspection at 9 and ...",
                    "events": [
                        {
                            "tool": "list_appointments",
                            "status": "ok",
                            "summary": "",
                            "latency_ms": 182.0,
                            "action_id": None,
                        }
                    ],
                    "citations": [],
                    "model": claude_models.TEXT_MODEL,
                    "input_tokens": 3120,
                    "output_tokens": 88,
                    "trial_messages_left": 41,
                }
            ]
        }
    )

    reply: str
    events: list[ToolEventOut] = Field(description="Every tool the assistant ran for this message.")
    citations: list[CitationOut] = Field(
        description="The company documents (and headings) the answer was given to draw on; empty "
        "when it needed none."
    )
    model: str | None
    input_tokens: int
    output_tokens: int
    trial_messages_left: int | None = Field(description="Messages left in the trial; null when unlimited.")

    @classmethod
    def of(cls, result: TurnResult, left: float | None) -> MessageOut:
        return cls(
            reply=result.reply,
            events=[ToolEventOut.of(event) for event in result.events],
            citations=[CitationOut(document=c.document, heading=c.heading) for c in result.citations],
            model=result.model,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            trial_messages_left=None if left is None else int(left),
        )


@dataclass(frozen=True)
class Admitted:
    """A message that passed every check and was counted: ready for the brain."""

    conversation: Conversation
    text: str
    left: float | None
    usage: UsageMeter

    async def messages_left_after(self, result: TurnResult) -> float | None:
        """The trial's messages left once this turn is settled: a turn that no model answered is
        given back, so "I can't think yet" and outage apologies never use up a trial."""
        if result.answered:
            return self.left
        await self.usage.refund_message(self.conversation.ctx.tenant_id)
        return None if self.left is None else self.left + 1


async def _admit(
    admin: AdminDeps, caller: TenantCredential, conversation_id: str, message: MessageIn
) -> Admitted:
    if not await admin.conversations.owns(caller, conversation_id):
        raise ApiProblem(
            CONVERSATION_NOT_FOUND,
            "No conversation with this id was started with this credential (they expire after 7 days "
            "without messages). Start one with POST /v1/conversations.",
        )
    tenant = await admin.tenants.get_tenant(caller.tenant_id)
    decision = await admin.usage.try_consume_message(tenant)
    if not decision.allowed:
        raise refusal(decision)
    conversation = await admin.brain.conversation(await call_context(admin.tenants, caller, conversation_id))
    return Admitted(conversation, message.text, decision.remaining, admin.usage)


async def admitted(
    conversation_id: ConversationId, message: MessageIn, admin: Admin, caller: Caller
) -> Admitted:
    """Dependency: checks run (and the message is counted) before any answer starts, streamed or not."""
    return await _admit(admin, caller, conversation_id, message)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Start a conversation",
    description="With an API key holding `conversations`, or a widget token.",
    responses=documented(*AUTH_PROBLEMS, INSUFFICIENT_SCOPE, TENANT_NOT_FOUND, TRIAL_EXPIRED),
)
async def start_conversation(admin: Admin, caller: Caller) -> ConversationOut:
    ensure_trial_active(await admin.tenants.get_tenant(caller.tenant_id))
    return ConversationOut(id=await admin.conversations.start(caller), created_at=utcnow())


@router.post(
    "/{conversation_id}/messages",
    summary="Send a message and get the answer",
    responses=documented(*_SEND_PROBLEMS, CONVERSATION_BUSY),
)
async def send_message(turn: Annotated[Admitted, Depends(admitted)]) -> MessageOut:
    try:
        result = await turn.conversation.send(turn.text)
    except ConversationBusy:
        raise ApiProblem(CONVERSATION_BUSY, _BUSY_DETAIL, headers={"Retry-After": "2"}) from None
    return MessageOut.of(result, await turn.messages_left_after(result))


class Ended(BaseModel):
    learned: list[str] = Field(description="What Hard-E now remembers from this conversation.")
    already_ended: bool = Field(description="True when an earlier call already ended it.")


@router.post(
    "/{conversation_id}/end",
    summary="End a conversation (Hard-E learns from it)",
    description="Runs the same once-per-session memory extraction as the end of a phone call. "
    "Ending twice is harmless; the history stays readable until it expires.",
    responses=documented(*AUTH_PROBLEMS, INSUFFICIENT_SCOPE, CONVERSATION_NOT_FOUND),
)
async def end_conversation(conversation_id: ConversationId, admin: Admin, caller: Caller) -> Ended:
    if not await admin.conversations.owns(caller, conversation_id):
        raise ApiProblem(
            CONVERSATION_NOT_FOUND, "No conversation with this id was started with this credential."
        )
    ctx = await call_context(admin.tenants, caller, conversation_id)
    result = await admin.brain.end_conversation(ctx)
    learned = [memory.text for memory in result.added] if result else []
    return Ended(learned=learned, already_ended=bool(result and result.skipped))


def _error_event(kind: ProblemType, detail: str) -> ServerSentEvent:
    problem = Problem(type=kind.uri, title=kind.title, status=kind.status, detail=detail)
    return ServerSentEvent(event="error", data=problem)


_pending: set[asyncio.Task[None]] = set()
"""Turns whose stream reader went away: they finish (and save their history) on their own."""


@router.post(
    "/{conversation_id}/messages/stream",
    response_class=EventSourceResponse,
    summary="Send a message and stream the answer (server-sent events)",
    description=(
        'Events: `text` (`{"delta": ...}`, a piece of the reply as it is written), `tool` (a tool '
        "event as in `events`), then `done` (the whole answer, as from `/messages`) or `error` (a problem)."
    ),
    responses=documented(*_SEND_PROBLEMS),
)
async def stream_message(turn: Annotated[Admitted, Depends(admitted)]) -> AsyncIterator[ServerSentEvent]:
    events: asyncio.Queue[ServerSentEvent | None] = asyncio.Queue()

    async def on_text(delta: str) -> None:
        await events.put(ServerSentEvent(event="text", data={"delta": delta}))

    async def on_event(event: ToolEvent) -> None:
        await events.put(ServerSentEvent(event="tool", data=ToolEventOut.of(event)))

    async def answer() -> None:
        try:
            result = await turn.conversation.send(turn.text, on_text=on_text, on_event=on_event)
            left = await turn.messages_left_after(result)
            await events.put(ServerSentEvent(event="done", data=MessageOut.of(result, left)))
        except ConversationBusy:
            await events.put(_error_event(CONVERSATION_BUSY, _BUSY_DETAIL))
        except Exception:  # the status line has gone out: the stream is the only way left to say so
            log.exception("streamed answer in conversation %s failed", turn.conversation.ctx.session_id)
            await events.put(
                _error_event(INTERNAL_ERROR, "The answer failed on our side; send the message again.")
            )
        finally:
            await events.put(None)

    task = asyncio.create_task(answer())
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    while (item := await events.get()) is not None:
        yield item
