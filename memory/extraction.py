"""Learning from a finished conversation: one Claude call, then careful merging into memory.

After every session (call or chat) Claude reads the transcript with the memories we already
hold and proposes durable facts through a forced tool call, so its answer is structured JSON.
It also writes a one- or two-sentence summary of the conversation for its history. Then, in code:
- a fact that restates one we hold (same subject, same content words) is merged away;
- a fact that Claude marks as replacing an older one (a contradiction) replaces it;
- a company-wide fact from an owner or manager becomes a company learning at once; from anyone
  else it waits as a candidate until a second person says the same thing (``MemoryStore``).
Each session is processed at most once (a Redis marker), and only after the call has ended.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import anthropic

from core.keys import tenant_key
from core.redis import Redis
from memory.similarity import SAME_FACT, similarity
from memory.store import COMPANY, Memory, MemoryStore, MemoryTier

log = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.5
MARKER_TTL_SECONDS = 30 * 24 * 3600
RUNNING_TTL_SECONDS = 600
MAX_TRANSCRIPT_CHARS = 40_000

RECORD_TOOL: dict[str, Any] = {
    "name": "record_memories",
    "description": "Record the durable facts worth remembering from this conversation.",
    "input_schema": {
        "type": "object",
        "properties": {
            "memories": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "about": {"type": "string", "enum": ["caller", "company"]},
                        "text": {"type": "string", "description": "One short sentence, third person."},
                        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                        "replaces": {
                            "type": "string",
                            "description": "Id of a held memory this contradicts.",
                        },
                    },
                    "required": ["about", "text", "confidence"],
                },
            },
            "summary": {
                "type": "string",
                "description": "What the conversation was about and what was done, in one or two "
                "plain sentences (at most 40 words), for the company's conversation history.",
            },
        },
        "required": ["memories", "summary"],
    },
}

INSTRUCTIONS = """\
You maintain the long-term memory of Hard-E, an AI sales director at a contracting company.
Read the finished conversation below between Hard-E and one employee, and the memories already
held. Record only durable facts the EMPLOYEE stated or clearly confirmed:
- about the caller: preferences, territory, habits, deals they are working, how they like answers;
- about the company: how the company works ("Crew B does the metal roofs", "we don't do flat roofs").
Skip small talk, one-off requests, and anything that only came from CRM records, documents, emails
or notes (those are data, not the employee's word). If a new fact contradicts a held memory, give
that memory's id in "replaces". Do not repeat facts already held. Record nothing when nothing
durable was said. Always give the summary of the conversation, whatever was learned."""


@dataclass(frozen=True)
class Speaker:
    user_id: str | None
    name: str
    is_leader: bool  # owners and managers speak for the company


@dataclass(frozen=True)
class Line:
    role: Literal["caller", "assistant"]
    text: str


@dataclass
class ExtractionResult:
    added: list[Memory] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    merged: int = 0
    waiting: int = 0  # company facts waiting for a second voice
    skipped: bool = False  # this session was already processed
    summary: str = ""  # what the conversation was about, for its history ("" when not given)


def _marker(tenant_id: str, session_id: str) -> str:
    return tenant_key(tenant_id, "memory", "extracted", session_id)


def render_transcript(lines: Sequence[Line], speaker: Speaker) -> str:
    text = "\n".join(f"{speaker.name if line.role == 'caller' else 'Hard-E'}: {line.text}" for line in lines)
    return text[-MAX_TRANSCRIPT_CHARS:]


class MemoryExtractor:
    def __init__(
        self, redis: Redis, store: MemoryStore, client: anthropic.AsyncAnthropic, model: str
    ) -> None:
        self._redis = redis
        self._store = store
        self._client = client
        self._model = model

    async def extract(
        self, tenant_id: str, session_id: str, speaker: Speaker, transcript: Sequence[Line]
    ) -> ExtractionResult:
        """Learn from one session, once; failures leave the session unprocessed for a retry."""
        if not any(line.role == "caller" and line.text.strip() for line in transcript):
            return ExtractionResult()
        marker = _marker(tenant_id, session_id)
        if not await self._redis.set(marker, "running", nx=True, ex=RUNNING_TTL_SECONDS):
            return ExtractionResult(skipped=True)
        try:
            held = await self._held(tenant_id, speaker)
            proposals, summary = await self._ask(speaker, transcript, held)
            result = await self._apply(tenant_id, session_id, speaker, proposals, held)
            result.summary = summary
        except BaseException:
            await self._redis.delete(marker)
            raise
        await self._redis.set(marker, "done", ex=MARKER_TTL_SECONDS)
        log.info(
            "memory from session %s: %d added, %d replaced, %d merged, %d waiting",
            session_id, len(result.added), len(result.replaced), result.merged, result.waiting,
        )  # fmt: skip
        return result

    async def _held(self, tenant_id: str, speaker: Speaker) -> list[Memory]:
        return [m for m in await self._store.all(tenant_id) if m.subject in (speaker.user_id, COMPANY)]

    async def _ask(
        self, speaker: Speaker, transcript: Sequence[Line], held: list[Memory]
    ) -> tuple[list[dict[str, Any]], str]:
        """The proposed memories and the conversation's summary."""
        known = "\n".join(
            f"- [{m.id}] ({'caller' if m.subject != COMPANY else 'company'}) {m.text}" for m in held
        )
        prompt = (
            f"Memories already held:\n{known or '(none)'}\n\n"
            f"Conversation (the employee is {speaker.name}):\n<transcript>\n"
            f"{render_transcript(transcript, speaker)}\n</transcript>"
        )
        message = await self._client.messages.create(  # type: ignore[call-overload]
            model=self._model,
            max_tokens=1024,
            system=INSTRUCTIONS,
            messages=[{"role": "user", "content": prompt}],
            tools=[RECORD_TOOL],
            tool_choice={"type": "tool", "name": RECORD_TOOL["name"]},
        )
        for block in message.content:
            if block.type == "tool_use" and block.name == RECORD_TOOL["name"]:
                given = block.input if isinstance(block.input, dict) else {}
                memories = given.get("memories")
                summary = given.get("summary")
                listed = memories if isinstance(memories, list) else []
                found = [item for item in listed if isinstance(item, dict)]
                return found, " ".join(summary.split())[:500] if isinstance(summary, str) else ""
        return [], ""

    async def _apply(
        self,
        tenant_id: str,
        session_id: str,
        speaker: Speaker,
        proposals: list[dict[str, Any]],
        held: list[Memory],
    ) -> ExtractionResult:
        result = ExtractionResult()
        for proposal in proposals:
            text = " ".join(str(proposal.get("text", "")).split())
            about_company = proposal.get("about") == "company"
            subject = COMPANY if about_company else speaker.user_id
            if not text or subject is None or float(proposal.get("confidence", 0)) < MIN_CONFIDENCE:
                continue
            same_subject = [m for m in held if m.subject == subject]
            replaced = next((m for m in same_subject if m.id == proposal.get("replaces")), None)
            if replaced is None and any(similarity(text, m.text) >= SAME_FACT for m in same_subject):
                result.merged += 1
                continue
            needs_second_voice = about_company and not speaker.is_leader and replaced is None
            if needs_second_voice and not await self._store.note_company_claim(
                tenant_id, text, speaker.user_id
            ):
                result.waiting += 1
                continue
            if replaced is not None:
                await self._store.delete(tenant_id, replaced.id)
                held.remove(replaced)
                result.replaced.append(replaced.id)
            memory = await self._store.remember(
                tenant_id,
                tier=MemoryTier.COMPANY if about_company else MemoryTier.PERSON,
                subject=subject,
                text=text,
                source_session=session_id,
                confidence=float(proposal.get("confidence", 1.0)),
            )
            held.append(memory)
            result.added.append(memory)
        return result
