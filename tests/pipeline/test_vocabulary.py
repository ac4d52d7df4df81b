"""The company's words reach speech recognition: Deepgram's keyterms carry the names and streets a
caller will say, gathered from the sandbox Leap and cached, without holding up the call."""

from __future__ import annotations

import dataclasses
from typing import Any

from leap_sandbox import FaultRule
from leap_sandbox.presenters import job_address
from pipeline import SpeechVocabulary
from pipeline.vocabulary import product_name, street_name, whisper_prompt
from tests.pipeline.conftest import Phone


def _most_recent_open_job(phone: Phone) -> Any:
    data = phone.world.data
    return max((job for job in data.jobs.values() if not job.archived), key=lambda j: (j.updated_at, j.id))


async def test_deepgram_hears_the_customers_and_streets_of_open_jobs(phone: Phone) -> None:
    data = phone.world.data
    job = _most_recent_open_job(phone)
    customer = data.customers[job.customer_id]
    street = street_name(job_address(data, job).address or "")
    # Nothing is cached for this tenant yet: this call may wait for the first gathering.
    deps = dataclasses.replace(
        phone.deps, timing=dataclasses.replace(phone.deps.timing, vocabulary_wait_secs=30)
    )
    phone.world.fake.script()

    async with phone.call(deps=deps) as caller:
        await caller.bot_reply(after=0.0)

    keyterms = phone.deepgram.sessions[0].keyterms
    assert f"{customer.first_name} {customer.last_name}" in keyterms, keyterms
    assert street and street in keyterms, (street, keyterms)
    assert "Mike Alvarez" in keyterms[:10]  # Hard-E's own people before Leap's words
    assert len(keyterms) <= 100


async def test_a_call_does_not_wait_for_leap_when_nothing_is_cached(phone: Phone) -> None:
    # Leap hangs on every job list: the gathering cannot finish, and the call must start anyway.
    phone.world.sandbox.add_fault(FaultRule(path="/jobs", latency_ms=60_000))
    deps = dataclasses.replace(
        phone.deps, timing=dataclasses.replace(phone.deps.timing, vocabulary_wait_secs=0.2)
    )
    phone.world.fake.script()

    async with phone.call(deps=deps) as caller:
        greeting = await caller.bot_reply(after=0.0)

    assert "dana" in greeting.lower()
    keyterms = phone.deepgram.sessions[0].keyterms
    assert "Mike Alvarez" in keyterms
    phone.world.sandbox.clear_faults()


def test_street_and_product_names_are_what_a_caller_says() -> None:
    assert street_name("1420 Juniper Ct, Apt 2") == "Juniper Ct"
    assert street_name("88-12 Oak Street #4") == "Oak Street"
    assert product_name("Summit Ridge (architectural)") == "Summit Ridge"
    assert product_name('"Can you cover my deductible?"') == ""
    assert product_name("Example monthly payments with a long title") == ""
    assert whisper_prompt(["Kowalski", "Juniper Ct"]) == "Kowalski, Juniper Ct."


async def test_product_names_come_from_the_knowledge_bases_headings(phone: Phone) -> None:
    brain = phone.world.brain
    document = (
        b"# Shingle Lines\n\n## Summit Ridge (architectural)\n\nOur default.\n\n"
        b"## Can we cover your deductible?\n\nNo.\n"
    )
    await brain.knowledge.ingest("acme", "lines.md", document)
    crm = (await brain.toolbox(phone.ctx())).crm
    words = await SpeechVocabulary(brain.redis, knowledge=brain.knowledge).words("acme", crm, wait_s=30)
    assert "Summit Ridge" in words and "Shingle Lines" in words
    assert not any("deductible" in word for word in words)
