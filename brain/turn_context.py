"""What Claude knows on a turn, besides the conversation itself: one service for every channel.

A fact reaches Claude the same way on a call and in a typed conversation. The soul document (with
the rules and the channel's style) is the stable, cacheable part; each turn then adds, through
``turn_prompt``:

- who is talking (as they are now: a PIN check may have identified a caller mid-call);
- the date and time in the tenant's time zone;
- memory: the caller's own and the company's (``MemoryStore.recall``, within its budget), and older
  memories that this turn's words bring up (``MemoryStore.relevant``);
- company documents that match the words, when they sound like a product, pricing or process
  question (``wants_knowledge``).

Channels differ only in where the facts go. A typed conversation rebuilds its system prompt every
turn, so every turn carries all of them (``keeps_earlier_turns=False``). A call's context keeps
every earlier note (Pipecat's context; rewriting it would also spoil Anthropic's prompt cache), so
its notes carry only the memories it has not been given yet in this call (``keeps_earlier_turns=
True``): the recall at the start, then whatever the words bring up, a PIN-identified caller's own
memories, or a memory learned mid-call.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from brain.context import CallContext
from brain.prompt import PromptInputs, Style, stable_prompt, system_blocks, turn_prompt
from brain.toolbox import KnowledgeSearch, snippet_as_data
from memory import MemoryStore
from tenants import Tenant

log = logging.getLogger(__name__)

KNOWLEDGE_PER_TURN = 3
"""Document excerpts added to a turn; Claude can ask for more with ``search_knowledge``."""

_KNOWLEDGE_CUES = re.compile(
    r"\b(warrant\w*|shingle\w*|financ\w*|price\w*|pricing|cost\w*|insurance|claim\w*|adjuster|"
    r"objection\w*|underlayment|metal|gutter\w*|guard\w*|product\w*|brand\w*|storm|hail|policy|"
    r"process|how (do|does|much)|what('s| is) (our|the) )",
    re.IGNORECASE,
)

T = TypeVar("T")


def wants_knowledge(text: str) -> bool:
    """Whether a message sounds like a product, pricing or process question worth a document search."""
    return bool(_KNOWLEDGE_CUES.search(text))


@dataclass(frozen=True)
class TurnFacts:
    """The facts of one turn, ready to be put in front of Claude."""

    tenant: Tenant
    caller: CallContext
    now: datetime
    style: Style
    memories: tuple[str, ...] = ()
    knowledge: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def inputs(self, summary: str = "") -> PromptInputs:
        return PromptInputs(
            tenant=self.tenant,
            caller=self.caller,
            now=self.now,
            style=self.style,
            memories=self.memories,
            knowledge=self.knowledge,
            summary=summary,
        )

    def prompt(self, summary: str = "") -> str:
        """Who, when, what we remember and what the documents say, as one note."""
        return turn_prompt(self.inputs(summary))

    def system(self, summary: str = "") -> list[dict[str, Any]]:
        """The whole system prompt (stable part cached, then this note), for a channel that
        rebuilds it every turn."""
        return system_blocks(self.inputs(summary))


class TurnContextService:
    """The turn context of one conversation; ``Brain.turn_context`` builds one per session.

    ``wait_s`` bounds how long a turn waits for its look-ups (all three run concurrently). A call
    sets it: every millisecond here is dead air before Claude can even start, and the look-ups
    normally take a few milliseconds (Redis reads; the tenant's search index stays in memory after
    its first search). What the bound catches is the slow case, a tenant's first search fetching
    its index from the blob store, or Redis struggling: the turn then goes on without that fact
    (Claude still has ``search_knowledge``), and the look-up finishes in the background, so the
    index is warm for the next turn. A typed conversation waits for everything (no bound). A
    look-up that fails is logged and left out; the turn is still answered.
    """

    def __init__(
        self,
        *,
        tenant: Tenant,
        style: Style,
        memory: MemoryStore,
        knowledge: KnowledgeSearch | None,
        keeps_earlier_turns: bool,
        wait_s: float | None = None,
    ) -> None:
        self.tenant = tenant
        self.style = style
        self._memory = memory
        self._knowledge = knowledge
        self._keeps_earlier_turns = keeps_earlier_turns
        self._wait_s = wait_s
        self._told: set[str] = set()  # memories already in a context that keeps earlier turns
        self._background: set[asyncio.Task[Any]] = set()

    @property
    def stable_prompt(self) -> str:
        """Rules, the channel's style and the tenant's soul document: the same on every turn."""
        return stable_prompt(self.tenant, self.style)

    async def opening(self, caller: CallContext) -> TurnFacts:
        """The facts at the start of a session, before anyone has said anything: who, when, and
        what we remember about the caller and the company."""
        recalled = await self._bounded("memory recall", self._recall(caller), [])
        return self._facts(caller, recalled, [])

    async def turn(self, caller: CallContext, text: str) -> TurnFacts:
        """The facts for the turn in which ``caller`` said ``text``."""
        recalled, related, knowledge = await asyncio.gather(
            self._bounded("memory recall", self._recall(caller), []),
            self._bounded("related memories", self._related(caller, text), []),
            self._bounded("knowledge search", self._search(text), []),
        )
        return self._facts(caller, [*recalled, *related], knowledge)

    def _facts(
        self, caller: CallContext, memories: Sequence[str], knowledge: Sequence[dict[str, Any]]
    ) -> TurnFacts:
        fresh = [memory for memory in dict.fromkeys(memories) if memory not in self._told]
        if self._keeps_earlier_turns:
            self._told.update(fresh)
        return TurnFacts(
            tenant=self.tenant,
            caller=caller,
            now=datetime.now(UTC),
            style=self.style,
            memories=tuple(fresh),
            knowledge=tuple(knowledge),
        )

    async def _recall(self, caller: CallContext) -> list[str]:
        return [memory.text for memory in await self._memory.recall(caller.tenant_id, caller.user_id)]

    async def _related(self, caller: CallContext, text: str) -> list[str]:
        related = await self._memory.relevant(caller.tenant_id, caller.user_id, text)
        return [memory.text for memory in related]

    async def _search(self, text: str) -> list[dict[str, Any]]:
        if self._knowledge is None or not wants_knowledge(text):
            return []
        found = await self._knowledge.search(self.tenant.id, text, KNOWLEDGE_PER_TURN)
        return [snippet_as_data(item) for item in found]

    async def _bounded(self, what: str, lookup: Awaitable[T], missing: T) -> T:
        """The look-up's answer; ``missing`` when it fails or outlasts ``wait_s`` (then it runs on)."""
        task = asyncio.ensure_future(lookup)
        try:
            if self._wait_s is None:
                return await task
            return await asyncio.wait_for(asyncio.shield(task), self._wait_s)
        except TimeoutError:
            log.warning("%s for %s took over %.1fs; this turn goes on without it", what, self.tenant.id,
                        self._wait_s)  # fmt: skip
            self._let_finish(task)
            return missing
        except asyncio.CancelledError:  # the turn was dropped (the caller spoke again): let it finish
            self._let_finish(task)
            raise
        except Exception:
            log.exception("%s for %s failed; this turn goes on without it", what, self.tenant.id)
            return missing

    def _let_finish(self, task: asyncio.Task[Any]) -> None:
        self._background.add(task)
        task.add_done_callback(self._finished_late)

    def _finished_late(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("a late look-up for %s failed: %s", self.tenant.id, task.exception())
