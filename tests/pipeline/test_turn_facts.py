"""A fact reaches Claude the same way on a call and in a typed conversation.

Both channels ask the brain's ``TurnContextService``; these tests hold them to it by what the fake
Anthropic server received: the soul document, who is talking, today's date in the tenant's time
zone, the memories recalled for the caller, an older memory the question brings up, and the
company document that answers it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from brain import CallContext, Channel
from memory import COMPANY, MemoryTier
from tenants import Role
from testkit.fakes.anthropic import RecordedRequest, on_tool_result, on_user, reply, tool_use
from tests.brain.conftest import World
from tests.pipeline.conftest import Phone

SOUL = "House rule of Acme Roofing: nobody quotes a price before the roof has been walked."
WARRANTY = b"""# Warranty tiers

## Gold Shield
Gold Shield covers materials and workmanship for 25 years on the full roof system.
"""
EXCERPT = "Gold Shield covers materials and workmanship for 25 years"
CITATION = "[warranty.md > Warranty tiers > Gold Shield]"
QUESTION = "How long is the Gold Shield warranty for the Hendersons?"
PERSON_FACT = "Dana wants a text summary after every site visit."
COMPANY_FACT = "Crew B does all of the metal roofs."
OLDER_FACT = "The Henderson family was promised a free Gold Shield warranty upgrade by Mona."
RECALL_BUDGET = 2000  # MemoryStore.recall's default
PADDING = (
    "Dana walks the Friday pipeline review stage by stage and expects every rep to know their "
    "numbers cold, including close rates, average ticket, open proposals, follow up dates and the "
    "reason each stalled deal is stalled."
)


def padding(index: int, length: int) -> str:
    """A person memory of about ``length`` characters sharing no content word with ``QUESTION``."""
    text = f"Review note {index}: {PADDING}"
    while len(text) < length:
        text += f" {PADDING}"
    return text[:length].rstrip()


async def store_memories(world: World) -> list[str]:
    """Dana's memories and the company's, so many that the oldest falls outside the recall budget
    (only the question's words can bring it back); returns the texts, recalled ones first."""
    dana = world.users[Role.OWNER]

    async def remember(tier: MemoryTier, subject: str, text: str) -> None:
        await world.brain.memory.remember("acme", tier=tier, subject=subject, text=text, source_session=None)

    await remember(MemoryTier.COMPANY, COMPANY, OLDER_FACT)
    spare = RECALL_BUDGET - len(PERSON_FACT) - len(COMPANY_FACT) - len(OLDER_FACT) // 2
    pads = [padding(index, spare // 4) for index in range(4)]
    for text in pads:
        await remember(MemoryTier.PERSON, dana.id, text)
    await remember(MemoryTier.PERSON, dana.id, PERSON_FACT)
    await remember(MemoryTier.COMPANY, COMPANY, COMPANY_FACT)
    recalled = await world.brain.recall(world.ctx())
    assert OLDER_FACT not in recalled and {PERSON_FACT, COMPANY_FACT, *pads} <= set(recalled), recalled
    return [PERSON_FACT, COMPANY_FACT, *pads, OLDER_FACT]


def what_claude_read(request: RecordedRequest) -> str:
    """The system prompt and every text of the conversation: wherever a channel puts the facts."""
    texts = [request.system_text]
    for message in request.messages:
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        texts += [block.get("text", "") for block in blocks if block.get("type") == "text"]
    return "\n".join(texts)


def asked(world: World, question: str, since: int) -> RecordedRequest:
    return next(r for r in world.fake.requests[since:] if question in r.last_user_text)


async def test_a_call_and_a_typed_conversation_give_claude_the_same_facts(phone: Phone) -> None:
    world = phone.world
    await world.brain.tenants.update_tenant("acme", soul_document=SOUL)
    await world.brain.knowledge.ingest("acme", "warranty.md", WARRANTY)
    memories = await store_memories(world)
    answer = "Gold Shield is twenty five years."

    world.fake.script(on_user("Gold Shield", answer))
    typed = await (await world.brain.conversation(world.ctx())).send(QUESTION)
    assert typed.reply == answer
    text_request = asked(world, QUESTION, 0)

    world.fake.script(on_user("Gold Shield", answer))
    since = len(world.fake.requests)
    async with phone.call() as caller:
        await caller.bot_reply(after=0.0)
        said = await caller.say(QUESTION)
        await caller.bot_reply(after=said)
    voice_request = asked(world, QUESTION, since)

    today = datetime.now(ZoneInfo("America/Denver"))
    facts = [
        SOUL,
        "Talking with: Dana Whitfield (owner at Acme Roofing).",
        f"Now: {today:%A %B %-d, %Y}",
        "(America/Denver)",
        '<data source="memory">',
        '<data source="documents">',
        CITATION,
        EXCERPT,
    ]
    for channel, request in (("text", text_request), ("voice", voice_request)):
        read = what_claude_read(request)
        missing = [fact for fact in facts if fact not in read]
        assert not missing, f"{channel}: Claude was not told {missing}"
        # Every memory exactly once: a call's context keeps its earlier notes, so it is not told twice.
        counts = {memory[:40]: read.count(memory) for memory in memories}
        assert set(counts.values()) == {1}, f"{channel}: {counts}"


async def test_a_caller_who_proves_who_they_are_by_pin_gets_their_own_memories(phone: Phone) -> None:
    world = phone.world
    dana = world.users[Role.OWNER]
    await world.brain.tenants.set_pin("acme", dana.id, "4821")
    await world.brain.memory.remember(
        "acme", tier=MemoryTier.PERSON, subject=dana.id, text=PERSON_FACT, source_session=None
    )
    world.fake.script(
        on_user("PIN", reply(tool_use("verify_pin", {"pin": "4821"}))),
        on_tool_result("verify_pin", "Thanks Dana. What can I do for you?"),
        on_user("plate", "Two estimates and a site visit."),
    )
    stranger = CallContext("acme", "call-pin", Channel.PHONE, needs_pin=True)

    async with phone.call(stranger) as caller:
        await caller.bot_reply(after=0.0)
        said = await caller.say("My PIN is 4 8 2 1")
        await caller.bot_reply(after=said)
        said = await caller.say("What is on my plate today")
        await caller.bot_reply(after=said)

    before = next(r for r in world.fake.requests if "PIN" in r.last_user_text)
    after = next(r for r in world.fake.requests if "plate" in r.last_user_text)
    assert PERSON_FACT not in what_claude_read(before)  # nobody knew who was calling yet
    assert PERSON_FACT in after.last_user_text  # the turn's note, right before the caller's words
    assert "Talking with: Dana Whitfield (owner at Acme Roofing)." in after.last_user_text
