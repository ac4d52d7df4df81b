"""Learning across calls: extraction (fake Claude, real SDK), merging, contradictions, promotion,
forgetting, and isolation, on a real Redis and the real brain."""

from __future__ import annotations

from memory import COMPANY, Line, MemoryTier
from tenants import Role
from testkit.fakes.anthropic import reply, tool_use

CALL = [Line("caller", "Remember, I always want texts, not calls."), Line("assistant", "Got it.")]


def extraction(*memories: dict) -> object:
    return reply(tool_use("record_memories", {"memories": list(memories)}))


async def test_a_fact_learned_in_one_call_is_in_the_next_calls_prompt(world):
    rep = world.ctx(Role.SALES_REP, session="call-1")
    world.fake.script(
        extraction({"about": "caller", "text": "Mike prefers texts over calls.", "confidence": 0.9})
    )
    result = await world.brain.learn_from(rep, CALL)
    assert [m.text for m in result.added] == ["Mike prefers texts over calls."]
    extraction_request = world.fake.requests[-1]
    assert "always want texts" in extraction_request.messages[0]["content"]

    world.fake.script("Hi Mike.")
    await (await world.brain.conversation(world.ctx(Role.SALES_REP, session="call-2"))).send("hello")
    assert "Mike prefers texts over calls." in world.fake.requests[-1].system_text


async def test_extraction_runs_once_per_session(world):
    rep = world.ctx(Role.SALES_REP, session="once")
    world.fake.script(extraction({"about": "caller", "text": "Works Boulder County.", "confidence": 0.9}))
    await world.brain.learn_from(rep, CALL)
    again = await world.brain.learn_from(rep, CALL)
    assert again.skipped
    assert len(world.fake.requests) == 1


async def test_a_contradiction_replaces_the_old_fact_and_a_restatement_merges(world):
    rep = world.ctx(Role.SALES_REP, session="s-a")
    old = await world.brain.memory.remember(
        "acme",
        tier=MemoryTier.PERSON,
        subject=rep.user_id,
        text="Mike prefers phone calls.",
        source_session="x",
    )
    world.fake.script(
        extraction(
            {"about": "caller", "text": "Mike prefers texts now.", "confidence": 0.9, "replaces": old.id},
            {"about": "caller", "text": "Mike prefers texts now!", "confidence": 0.9},
        )
    )
    result = await world.brain.learn_from(rep, CALL)
    assert result.replaced == [old.id] and result.merged == 1
    assert [m.text for m in await world.brain.memory.of_subject("acme", rep.user_id)] == [
        "Mike prefers texts now."
    ]
    assert f"[{old.id}]" in world.fake.requests[-1].messages[0]["content"]


async def test_company_facts_need_a_leader_or_a_second_voice(world):
    fact = {"about": "company", "text": "Crew B does the metal roofs.", "confidence": 0.9}
    world.fake.script(
        extraction(fact), extraction(fact), extraction({**fact, "text": "We don't do flat roofs."})
    )

    first = await world.brain.learn_from(world.ctx(Role.SALES_REP, session="a"), CALL)
    assert first.waiting == 1 and await world.brain.memory.of_subject("acme", COMPANY) == []
    second = await world.brain.learn_from(world.ctx(Role.CREW, session="b"), CALL)
    assert [m.text for m in second.added] == ["Crew B does the metal roofs."]
    owner = await world.brain.learn_from(world.ctx(Role.OWNER, session="c"), CALL)
    assert [m.tier for m in owner.added] == [MemoryTier.COMPANY]


async def test_forget_user_removes_everything_about_them(world, redis):
    rep = world.ctx(Role.SALES_REP, session="f")
    world.fake.script(
        extraction(
            {"about": "caller", "text": "Mike's daughter plays soccer.", "confidence": 0.9},
            {"about": "company", "text": "Saturday installs cost extra.", "confidence": 0.9},
        )
    )
    await world.brain.learn_from(rep, CALL)
    assert await redis.hlen("t:acme:memory:candidates") == 1
    await world.brain.memory.forget_user("acme", rep.user_id)
    assert await world.brain.memory.of_subject("acme", rep.user_id) == []
    assert await redis.hlen("t:acme:memory:candidates") == 0
    assert await world.brain.recall(rep) == []


async def test_one_tenant_never_recalls_anothers_memories(world):
    owner = world.ctx(Role.OWNER)
    await world.brain.memory.remember(
        "acme", tier=MemoryTier.COMPANY, subject=COMPANY, text="Acme secret pricing rule", source_session="x"
    )
    other = await world.brain.memory.recall("other-tenant", owner.user_id)
    assert other == []
    assert await world.brain.memory.relevant("other-tenant", owner.user_id, "secret pricing rule") == []
    assert [
        m.text for m in await world.brain.memory.relevant("acme", owner.user_id, "what's our pricing rule")
    ] == ["Acme secret pricing rule"]


async def test_nothing_is_learned_from_a_session_where_the_caller_said_nothing(world):
    result = await world.brain.learn_from(world.ctx(session="silent"), [Line("assistant", "Hello?")])
    assert result.added == [] and world.fake.requests == []
