"""Conversation history across every channel (phone, browser, typed, Direct Tools): the console's
list of conversations and each one's transcript, tool calls, summary, what was learned and, for
calls, the latency of every turn; and undoing a conversation's last change from the console, through
the same "undo that" the conversation itself offers.

Reads what the brain keeps per session (``brain.history``), a call's transcript blob and latency
(``pipeline``), and the memories whose source is the session. A widget token cannot read it: it
talks to Hard-E for one visitor; the company's history is for its people and its keys.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.auth import TenantAccess, tenant_access
from api.deps import Admin, AdminDeps
from api.principals import TenantCredential
from api.problems import (
    CONVERSATION_NOT_FOUND,
    INSUFFICIENT_SCOPE,
    NOTHING_TO_UNDO,
    TENANT_NOT_FOUND,
    TRIAL_EXPIRED,
    ApiProblem,
    documented,
)
from api.routes.common import TENANT_AUTH_PROBLEMS, TOOL_FAILURES, acting_as, raise_for_failure
from api.routes.memories import MemoryOut
from api.trials import ensure_trial_active
from brain import Channel, ToolStatus, meta
from brain.history import SessionLog, ToolRecord
from core.blobs import BlobNotFound
from pipeline import CallSessions, TurnLatency
from tenants import Scope

router = APIRouter(prefix="/v1/tenants/{tenant_id}/history", tags=["history"])

MAX_SCAN = 2_000
"""Sessions one page request may look at; a sparse channel filter then returns a cursor to go on."""
_CURSOR = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,9})?$")


async def _reader(
    access: Annotated[TenantAccess, Depends(tenant_access(Scope.CONVERSATIONS))],
) -> TenantAccess:
    if isinstance(access.principal, TenantCredential) and access.principal.widget is not None:
        raise ApiProblem(
            INSUFFICIENT_SCOPE,
            "A widget token talks to Hard-E for one visitor; it cannot read the company's history. "
            "Sign in to the console, or use an API key with the 'conversations' scope.",
        )
    return access


Reader = Annotated[TenantAccess, Depends(_reader)]


async def _undoer(
    access: Annotated[TenantAccess, Depends(tenant_access(Scope.TOOLS_WRITE))],
) -> TenantCredential:
    """Undo acts as one of the tenant's people or keys, under their role or scopes, as a call does."""
    principal = access.principal
    if not isinstance(principal, TenantCredential):
        raise ApiProblem(
            INSUFFICIENT_SCOPE,
            "The operator acts on tenants but not as one; sign in as one of the company's people, "
            "or use one of its API keys with the 'tools:write' scope.",
        )
    if principal.widget is not None:
        raise ApiProblem(
            INSUFFICIENT_SCOPE,
            "A widget token talks to Hard-E for one visitor; it cannot undo the company's changes from "
            'the history. Say "undo that" in the conversation, or sign in to the console.',
        )
    return principal


Undoer = Annotated[TenantCredential, Depends(_undoer)]
SessionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["ph_4b1e9d0f2a7c3e5d6b8a9c0d"])]


def _cursor(value: str | None) -> str | None:
    if value is not None and not _CURSOR.match(value):
        raise ValueError("not a cursor from a previous page (they look like '1764778441.123456')")
    return value


class CallerOut(BaseModel):
    user_id: str | None = Field(
        description="The user who talked to Hard-E; null for an unknown caller or a key."
    )
    name: str | None
    key_id: str | None = Field(description="The API key that acted (Direct Tools and keyed conversations).")


class HistoryItem(BaseModel):
    id: str = Field(description="The session id.")
    channel: Channel
    started_at: datetime
    ended_at: datetime | None = Field(description="Null while live; a typed conversation's last message.")
    caller: CallerOut
    status: Literal["live", "ended"] = Field(
        description="`live` while a call runs or a typed conversation has not been ended."
    )
    turns: int = Field(description="How many times the caller spoke (or typed).")
    summary: str | None = Field(description="A sentence or two on what it was about; written when it ends.")
    tools_called: int


_ITEM_EXAMPLE: dict[str, Any] = {
    "id": "ph_4b1e9d0f2a7c3e5d6b8a9c0d",
    "channel": "phone",
    "started_at": "2025-05-01T14:00:00Z",
    "ended_at": "2025-05-01T14:03:12Z",
    "caller": {"user_id": "u_3f9a1c2b7d4e", "name": "Dana Whitfield", "key_id": None},
    "status": "ended",
    "turns": 4,
    "summary": "Dana asked where the Smith job stands; Hard-E moved it to Proposal Sent.",
    "tools_called": 3,
}


class HistoryPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_ITEM_EXAMPLE], "next_cursor": "1746108000.0"}]}
    )

    items: list[HistoryItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null at the end."
    )


class LineOut(BaseModel):
    role: Literal["caller", "assistant"]
    text: str
    at: datetime
    interrupted: bool = Field(description="The caller spoke over this line before it was finished.")


ConfirmationState = Literal["awaiting", "confirmed", "cancelled", "undone"]


class Confirmation(BaseModel):
    action_id: str
    state: ConfirmationState = Field(
        description="`awaiting`: proposed, never confirmed in this conversation (nothing changed); "
        '`undone`: confirmed, then taken back ("undo that", or Undo in the console).'
    )


class ToolCallOut(BaseModel):
    at: datetime
    name: str
    status: str = Field(
        description="ok, pending, confirmed, cancelled, undone, refused, error, unavailable, dry_run."
    )
    arguments: dict[str, Any]
    result_summary: str
    confirmation: Confirmation | None = Field(
        description="For a change that needed a yes: what became of it."
    )


class LatencyTurn(BaseModel):
    turn: int = Field(description="0 is the greeting.")
    total_ms: float
    stages_ms: dict[str, float] = Field(
        description="`endpointing`, `transcription`, `turn`, `llm`, `speech`, and `other` "
        "(anything else measured)."
    )


class ConversationDetail(HistoryItem):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_ITEM_EXAMPLE,
                    "lines": [
                        {"role": "assistant", "text": "Hey Dana, Hard-E here.", "at": "2025-05-01T14:00:01Z",
                         "interrupted": False},
                        {"role": "caller", "text": "Where is the Smith job?", "at": "2025-05-01T14:00:05Z",
                         "interrupted": False},
                    ],
                    "tools": [
                        {"at": "2025-05-01T14:00:06Z", "name": "find_jobs", "status": "ok",
                         "arguments": {"keyword": "Smith"}, "result_summary": "", "confirmation": None},
                    ],
                    "learned": [],
                    "undoable": False,
                    "latency": [
                        {"turn": 1, "total_ms": 1180.0, "stages_ms": {"endpointing": 200.0,
                         "transcription": 150.0, "turn": 40.0, "llm": 520.0, "speech": 270.0, "other": 0.0}},
                    ],
                }
            ]
        }
    )  # fmt: skip

    lines: list[LineOut]
    tools: list[ToolCallOut]
    learned: list[MemoryOut] = Field(description="What Hard-E remembered from this conversation.")
    latency: list[LatencyTurn] = Field(description="Per answered turn of a call; empty for typed channels.")
    undoable: bool = Field(
        description="The conversation has a change that can still be taken back (`POST .../undo`; "
        "changes stay undoable for 24 hours)."
    )


class UndoResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"undone": "Deleted the note on 2405-118 (Smith roof).", "action_id": "act_Xk2fQ9"}]
        }
    )

    undone: str = Field(description="What was taken back, in a sentence.")
    action_id: str | None = Field(
        description="The confirmed change that was undone (its `confirmation.action_id` in the history)."
    )


def _item(session_id: str, fields: dict[str, str]) -> HistoryItem:
    ended = fields.get("ended_at")
    return HistoryItem(
        id=session_id,
        channel=Channel(fields.get("channel", "phone")),
        started_at=datetime.fromisoformat(fields["started_at"]),
        ended_at=datetime.fromisoformat(ended) if ended else None,
        caller=CallerOut(
            user_id=fields.get("user_id") or None,
            name=fields.get("user_name") or None,
            key_id=fields.get("key_id") or None,
        ),
        status="ended" if fields.get("status") == "ended" else "live",
        turns=int(fields.get("turns") or 0),
        summary=fields.get("summary") or None,
        tools_called=int(fields.get("tools_called") or 0),
    )


def _tool_calls(records: list[ToolRecord]) -> list[ToolCallOut]:
    """Tool calls in order; a proposed change says whether a later confirm, cancel or undo settled it."""
    confirmed = {r.action_id for r in records if r.status == "confirmed" and r.action_id}
    undone = {r.action_id for r in records if r.status == "undone" and r.action_id}
    cancelled = {
        str(r.arguments.get("action_id"))
        for r in records
        if r.status == "cancelled" and r.arguments.get("action_id")
    }

    def confirmation(record: ToolRecord) -> Confirmation | None:
        if record.action_id is None or record.status not in ("pending", "confirmed"):
            return None
        state: ConfirmationState = (
            "undone"
            if record.action_id in undone
            else "confirmed"
            if record.action_id in confirmed
            else "cancelled"
            if record.action_id in cancelled
            else "awaiting"
        )
        return Confirmation(action_id=record.action_id, state=state)

    return [
        ToolCallOut(
            at=record.at,
            name=record.tool,
            status=record.status,
            arguments=dict(record.arguments),
            result_summary=record.summary,
            confirmation=confirmation(record),
        )
        for record in records
    ]


async def _conversation(log: SessionLog, tenant_id: str, session_id: str) -> dict[str, str]:
    """The session's record, or the 404 that says where ids come from."""
    fields = await log.fields(tenant_id, session_id)
    if not fields.get("started_at"):
        raise ApiProblem(
            CONVERSATION_NOT_FOUND,
            f"There is no conversation {session_id} in this tenant's history "
            "(ids come from GET .../history).",
        )
    return fields


async def _call_lines(admin: AdminDeps, fields: dict[str, str]) -> list[LineOut]:
    """A call's lines, from its transcript blob (written when the call ends)."""
    if not fields.get("transcript"):
        return []
    try:
        document = json.loads(await admin.blobs.get(fields["transcript"]))
    except BlobNotFound:
        return []
    return [LineOut.model_validate(line) for line in document.get("lines", [])]


@router.get(
    "",
    summary="List conversations of every channel",
    description=(
        "Newest first: phone and browser calls, typed conversations and Direct Tools requests. "
        "`channel` keeps one channel; follow `next_cursor` for older ones. A sparse filter may return "
        "a short page with a cursor: keep following it until it is null."
    ),
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def list_history(
    admin: Admin,
    access: Reader,
    channel: Annotated[Channel | None, Query(description="Only this channel.")] = None,
    cursor: Annotated[str | None, Query(max_length=32), AfterValidator(_cursor)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> HistoryPage:
    await admin.tenants.get_tenant(access.tenant_id)
    log = SessionLog(admin.redis)
    items: list[HistoryItem] = []
    before = float(cursor) if cursor is not None else None
    scanned = 0
    while scanned < MAX_SCAN:
        count = min(200, MAX_SCAN - scanned)
        batch = await log.newest(access.tenant_id, before=before, count=count)
        records = await log.many(access.tenant_id, [session_id for session_id, _ in batch])
        for (session_id, started), fields in zip(batch, records, strict=True):
            before = started
            if fields.get("started_at") and (channel is None or fields.get("channel") == channel.value):
                items.append(_item(session_id, fields))
                if len(items) == limit:
                    return HistoryPage(items=items, next_cursor=repr(started))
        scanned += len(batch)
        if len(batch) < count:
            return HistoryPage(items=items, next_cursor=None)
    return HistoryPage(items=items, next_cursor=repr(before))


@router.get(
    "/{session_id}",
    summary="One conversation: transcript, tools, summary, what was learned, latency per turn",
    responses=documented(*TENANT_AUTH_PROBLEMS, CONVERSATION_NOT_FOUND),
)
async def get_conversation(session_id: SessionId, admin: Admin, access: Reader) -> ConversationDetail:
    log = SessionLog(admin.redis)
    fields = await _conversation(log, access.tenant_id, session_id)
    item = _item(session_id, fields)
    if item.channel is Channel.TEXT:
        lines = [
            LineOut(
                role="caller" if line.role == "caller" else "assistant",
                text=line.text,
                at=line.at,
                interrupted=False,
            )
            for line in await log.typed_lines(access.tenant_id, session_id)
        ]
    else:
        lines = await _call_lines(admin, fields)
    record = await CallSessions(admin.redis).get(access.tenant_id, session_id)
    latency = [TurnLatency.from_json(turn) for turn in (record.latency if record else [])]
    learned = [m for m in await admin.memory.all(access.tenant_id) if m.source_session == session_id]
    return ConversationDetail(
        **item.model_dump(),
        lines=lines,
        tools=_tool_calls(await log.tools(access.tenant_id, session_id)),
        learned=[MemoryOut.of(memory) for memory in learned],
        undoable=await admin.brain.actions.can_undo(access.tenant_id, session_id),
        latency=[
            LatencyTurn(
                turn=turn.turn, total_ms=round(turn.total_secs * 1000, 1), stages_ms=turn.grouped_ms()
            )
            for turn in latency
        ],
    )


@router.post(
    "/{session_id}/undo",
    summary="Undo the conversation's last change",
    description=(
        'Takes back the last change this conversation made in the CRM, exactly as saying "undo that" '
        "in it would: the same undo, under the signed-in person's role (or the key's scopes), audited, "
        "and kept in the conversation's history, where the change then shows as `undone`. Changes stay "
        "undoable for 24 hours, last first; `undoable` in the conversation says whether one is left."
    ),
    responses=documented(
        *TENANT_AUTH_PROBLEMS, CONVERSATION_NOT_FOUND, NOTHING_TO_UNDO, TRIAL_EXPIRED, *TOOL_FAILURES
    ),
)
async def undo_last_change(session_id: SessionId, admin: Admin, caller: Undoer) -> UndoResult:
    await _conversation(SessionLog(admin.redis), caller.tenant_id, session_id)
    ensure_trial_active(await admin.tenants.get_tenant(caller.tenant_id))
    nothing = ApiProblem(
        NOTHING_TO_UNDO,
        "Nothing to undo in this conversation: its changes have already been taken back, it made none "
        "that can be undone, or they are older than 24 hours. Make any other correction in Leap.",
    )
    if not await admin.brain.actions.can_undo(caller.tenant_id, session_id):
        raise nothing  # not even tried: an empty "undo" would only clutter the history
    toolbox = await admin.brain.toolbox(acting_as(caller, session_id))
    outcome = await toolbox.call(meta.UNDO, {})
    raise_for_failure(outcome)
    if outcome.event.status is not ToolStatus.UNDONE:  # another undo took the last one meanwhile
        raise nothing
    return UndoResult(undone=outcome.event.summary, action_id=outcome.event.action_id)
