"""The company's own words, so speech recognition hears them: Deepgram keyterms and Whisper's prompt.

A caller says "the Kowalski job on Juniper Court" or "send Tony's crew": names a general model
mishears. The words come from the tenant's Leap (customers, crews and reps, sub-contractors, the
streets of open jobs) and the headings of its knowledge base (product names), after the tenant's
own list. Gathering them costs a handful of Leap requests, so the result is cached per tenant in
Redis (every worker shares it) and refreshed at most every ``REFRESH_SECS`` by one worker at a
time. A call never waits long for it: it starts with whatever is cached, and a call to a tenant
with nothing cached yet waits at most ``wait_s`` for the first gathering.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, zip_longest
from typing import Any, Protocol

from core.keys import tenant_key
from core.redis import Redis, as_str
from crm_leap.tools import ToolContext

log = logging.getLogger(__name__)

REFRESH_SECS = 300.0
"""How old the cached words may get before a call triggers a new gathering."""
GATHER_LOCK_SECS = 60
"""One worker gathers a tenant's words at a time; a crashed gatherer's claim lapses after this."""
PER_KIND = 50
"""Leap records read per kind of word (one page each)."""
KINDS = ("people", "customers", "streets", "products")

_HOUSE_NUMBER = re.compile(r"^\s*[\d\-/]+[a-zA-Z]?\s+")
_PARENTHESES = re.compile(r"\([^)]*\)")
_SENTENCE_MARKS = ('"', "?", "!", ".", ":", "“")
MAX_NAME_WORDS = 4
_UNIT = re.compile(r"\s*(#|\b(apt|unit|suite|ste)\b\.?).*$", re.IGNORECASE)


class HeadingSource(Protocol):
    """Where product names come from (``kb.KnowledgeBase`` provides it)."""

    async def headings(self, tenant_id: str) -> list[str]: ...


def street_name(address: str) -> str:
    """ "1420 Juniper Ct, Apt 2" -> "Juniper Ct": the part a caller says."""
    street = address.split(",")[0]
    street = _UNIT.sub("", _HOUSE_NUMBER.sub("", street))
    return " ".join(street.split())


def product_name(heading: str) -> str:
    """A heading that names something ("Summit Ridge (architectural)" -> "Summit Ridge"); "" for a
    sentence or a long title ("Can you cover my deductible?"), which would only confuse the STT."""
    name = " ".join(_PARENTHESES.sub("", heading).split())
    if not name or any(mark in name for mark in _SENTENCE_MARKS) or len(name.split()) > MAX_NAME_WORDS:
        return ""
    return name


def interleave(groups: Iterable[Sequence[str]]) -> list[str]:
    """One word of each kind in turn, so no kind crowds the others out of the 100 keyterms."""
    return [word for word in chain.from_iterable(zip_longest(*groups)) if word]


def whisper_prompt(words: Sequence[str], max_chars: int = 600) -> str:
    """Whisper's initial prompt: the words as preceding text (Whisper keeps ~224 tokens of it)."""
    prompt = ""
    for word in words:
        candidate = f"{prompt}, {word}" if prompt else word
        if len(candidate) > max_chars:
            break
        prompt = candidate
    return f"{prompt}." if prompt else ""


@dataclass
class SpeechVocabulary:
    """Per-tenant company words for the STT, cached in Redis; one per process."""

    redis: Redis
    knowledge: HeadingSource | None = None
    refresh_secs: float = REFRESH_SECS
    clock: Callable[[], float] = time.time
    _running: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def words(self, tenant_id: str, crm: ToolContext | None, *, wait_s: float) -> list[str]:
        """The tenant's gathered words, interleaved by kind; starts a gathering when they are
        missing or stale, and waits for it at most ``wait_s`` when nothing is cached."""
        cached = await self._cached(tenant_id)
        fresh = cached is not None and self.clock() - float(cached.get("at", 0)) < self.refresh_secs
        if not fresh and crm is not None:
            task = self._gather_in_background(tenant_id, crm)
            if cached is None and task is not None and wait_s > 0:
                await asyncio.wait({task}, timeout=wait_s)
                cached = await self._cached(tenant_id)
        if cached is None:
            return []
        return interleave(cached.get(kind) or [] for kind in KINDS)

    def _gather_in_background(self, tenant_id: str, crm: ToolContext) -> asyncio.Task[None] | None:
        running = self._running.get(tenant_id)
        if running is not None and not running.done():
            return running
        task = asyncio.create_task(self._gather(tenant_id, crm), name=f"vocabulary:{tenant_id}")
        self._running[tenant_id] = task
        task.add_done_callback(lambda done: self._forget(tenant_id, done))
        return task

    def _forget(self, tenant_id: str, task: asyncio.Task[None]) -> None:
        if self._running.get(tenant_id) is task:
            del self._running[tenant_id]

    async def _gather(self, tenant_id: str, crm: ToolContext) -> None:
        lock = tenant_key(tenant_id, "stt", "words", "gathering")
        if not await self.redis.set(lock, "1", nx=True, ex=GATHER_LOCK_SECS):
            return  # another worker is on it
        try:
            people, (customers, streets), products = await asyncio.gather(
                _guard(_people(crm)),
                _guard_pair(_customers_and_streets(crm)),
                _guard(self._products(tenant_id)),
            )
            found = {"at": self.clock(), "people": people, "customers": customers,
                     "streets": streets, "products": products}  # fmt: skip
            await self.redis.set(_key(tenant_id), json.dumps(found))
        finally:
            await self.redis.delete(lock)

    async def _cached(self, tenant_id: str) -> dict[str, Any] | None:
        raw = as_str(await self.redis.get(_key(tenant_id)))
        return json.loads(raw) if raw else None

    async def _products(self, tenant_id: str) -> list[str]:
        if self.knowledge is None:
            return []
        return [
            name for heading in await self.knowledge.headings(tenant_id) if (name := product_name(heading))
        ]

    async def aclose(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)


def _key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "stt", "words")


async def _guard(words: Awaitable[list[str]]) -> list[str]:
    """One kind failing (an endpoint this Leap lacks, a timeout) leaves the others."""
    try:
        return _distinct(await words)
    except Exception as error:
        log.warning("speech vocabulary: one kind of word could not be read (%s)", error)
        return []


async def _guard_pair(words: Awaitable[tuple[list[str], list[str]]]) -> tuple[list[str], list[str]]:
    try:
        first, second = await words
    except Exception as error:
        log.warning("speech vocabulary: customers and streets could not be read (%s)", error)
        return [], []
    return _distinct(first), _distinct(second)


def _distinct(words: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for word in words:
        term = " ".join(str(word).split())
        if term and term.casefold() not in seen:
            seen[term.casefold()] = term
    return list(seen.values())


async def _people(crm: ToolContext) -> list[str]:
    """Crews, reps and sub-contractors, as Leap spells them."""
    users = [user.full_name for user in await crm.company.users()]
    subs = await crm.leap.find_subcontractors(limit=PER_KIND)
    return (
        users
        + [_full_name(item) for item in subs.items]
        + [str(item.get("company_name") or "") for item in subs.items]
    )


async def _customers_and_streets(crm: ToolContext) -> tuple[list[str], list[str]]:
    """The customers of open jobs and the jobs' streets, most recently active first (who and where
    the crews are working), then the company's other customers."""
    jobs = await crm.leap.find_jobs(includes=("customer", "address"), limit=PER_KIND)
    customers, streets = [], []
    for job in jobs.items:
        customer = job.get("customer")
        if isinstance(customer, dict):
            customers.append(_full_name(customer) or str(customer.get("company_name") or ""))
        address = job.get("address")
        if isinstance(address, dict) and address.get("address"):
            streets.append(street_name(str(address["address"])))
    others = await crm.leap.find_customers(limit=PER_KIND)
    customers += [_full_name(item) or str(item.get("company_name") or "") for item in others.items]
    return customers, streets


def _full_name(item: dict[str, Any]) -> str:
    return " ".join(str(item.get(part) or "") for part in ("first_name", "last_name")).strip()
