"""Claude inside the pipeline, without audio: the real ``VoiceClaude`` and ``ToolBridge`` between
Pipecat's context aggregators, the brain's ToolBox on the sandbox CRM, and the Anthropic SDK
talking to the fake Messages API over loopback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from pipecat.frames.frames import LLMMessagesAppendFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    AssistantTurnStoppedMessage,
    LLMContextAggregatorPair,
)
from pipecat.workers.runner import WorkerRunner

from brain import ToolEvent, TurnState
from leap_sandbox.faults import FaultKind, FaultRule
from pipeline import phrases
from pipeline.claude import VoiceClaude, regroup_parallel_calls
from pipeline.phrases import APOLOGY
from pipeline.tools import ToolBridge, tools_schema
from pipeline.turn_context import TurnContext
from testkit.fakes.anthropic import invalid_request, on_tool_result, on_user, overloaded, reply, tool_use
from tests.brain.conftest import FALLBACK, PRIMARY, World, world  # noqa: F401 (the world fixture)

WAIT_SECONDS = 30.0


@dataclass
class Conversation:
    worker: PipelineWorker
    replies: list[str] = field(default_factory=list)
    events: list[ToolEvent] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # lines spoken without Claude (fillers)
    replied: asyncio.Event = field(default_factory=asyncio.Event)

    async def user_says(self, text: str, *, replies: int = 1) -> str:
        """Say ``text``; returns the last of the ``replies`` assistant turns that answer it."""
        expected = len(self.replies) + replies
        await self.worker.queue_frame(
            LLMMessagesAppendFrame([{"role": "user", "content": text}], run_llm=True)
        )
        while len(self.replies) < expected:
            self.replied.clear()
            await asyncio.wait_for(self.replied.wait(), WAIT_SECONDS)
        return self.replies[-1]


@asynccontextmanager
async def conversation(brain_world: World) -> AsyncIterator[Conversation]:
    """A text-only pipeline: user aggregator -> turn context -> Claude -> assistant aggregator."""
    state = TurnState()
    toolbox = await brain_world.brain.toolbox(brain_world.ctx(), state=state)
    llm = VoiceClaude(
        api_key="",
        client=brain_world.brain.claude.client,
        models=[PRIMARY, FALLBACK],
        apology=APOLOGY,
        settings=VoiceClaude.Settings(model=PRIMARY, system_instruction="You are Hard-E."),
    )
    pair = LLMContextAggregatorPair(LLMContext(tools=tools_schema(toolbox)))
    worker = PipelineWorker(
        Pipeline([pair.user(), TurnContext(state=state, facts=_no_facts), llm, pair.assistant()]),
        enable_rtvi=False,
    )
    talk = Conversation(worker)

    async def spoken(event: ToolEvent) -> None:
        talk.events.append(event)

    async def quiet(text: str) -> None:
        """No TTS here: what would be spoken is only recorded."""
        talk.said.append(text)

    bridge = ToolBridge(
        llm, toolbox, say=quiet, on_event=spoken, call_ending=lambda: False, filler_after=10.0
    )

    async def turn_stopped(_aggregator: object, message: AssistantTurnStoppedMessage) -> None:
        if message.content:
            talk.replies.append(message.content)
            talk.replied.set()

    pair.assistant().add_event_handler("on_assistant_turn_stopped", turn_stopped)
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    running = asyncio.create_task(runner.run())
    try:
        yield talk
    finally:
        await worker.stop_when_done()
        await asyncio.wait_for(running, WAIT_SECONDS)
        await bridge.close()


async def _no_facts(_text: str) -> str:
    return "Now: test time."


async def test_every_tool_use_of_one_reply_runs_and_one_follow_up_carries_all_results(world: World) -> None:  # noqa: F811
    """Regression: Pipecat 1.14 alone runs only the last tool_use block of a Claude reply."""
    world.fake.script(
        on_user(
            "compare",
            reply(
                "Let me look at both.",
                tool_use("find_jobs", {"keyword": "Thompson"}),
                tool_use("find_customer", {"query": "Moore"}),
            ),
        ),
        on_tool_result("find_jobs", "Thompson has a job and Moore is a customer."),
    )

    async with conversation(world) as talk:
        answer = await talk.user_says("Compare Thompson and Moore for me.", replies=2)

    assert answer == "Thompson has a job and Moore is a customer."
    first, follow_up = world.fake.requests
    asked = [block["id"] for block in _tool_uses(follow_up)]
    assert len(asked) == 2
    assert sorted(result.tool_use_id for result in follow_up.tool_results) == sorted(asked)
    assert {result.name for result in follow_up.tool_results} == {"find_jobs", "find_customer"}
    assert all(not result.is_error for result in follow_up.tool_results)
    assert sorted(event.tool for event in talk.events) == ["find_customer", "find_jobs"]
    assert first.messages[-1]["role"] == "user"


async def test_the_fallback_model_answers_while_the_voice_model_is_overloaded(world: World) -> None:  # noqa: F811
    world.fake.fail(overloaded(), model=PRIMARY, times=None)
    world.fake.script(on_user("hello", "Hi there."))

    async with conversation(world) as talk:
        answer = await talk.user_says("hello")

    assert answer == "Hi there."
    assert [request.model for request in world.fake.requests] == [PRIMARY, FALLBACK]


async def test_the_caller_hears_an_apology_when_no_model_answers_and_can_go_on(world: World) -> None:  # noqa: F811
    world.fake.fail(overloaded(), times=2)
    world.fake.script(on_user("again", "Now I can help."))

    async with conversation(world) as talk:
        first = await talk.user_says("hello")
        second = await talk.user_says("again please")

    assert first == APOLOGY
    assert second == "Now I can help."


async def test_a_request_anthropic_refuses_on_a_call_is_an_apology_not_silence(world: World) -> None:  # noqa: F811
    """400 invalid_request_error is not retried by the SDK; the call tries the fallback, then apologises."""
    world.fake.fail(invalid_request("messages: bad shape"), times=2)
    world.fake.script(on_user("again", "Now I can help."))

    async with conversation(world) as talk:
        first = await talk.user_says("hello")
        second = await talk.user_says("again please")

    assert first == APOLOGY
    assert second == "Now I can help."
    assert [request.model for request in world.fake.requests][:2] == [PRIMARY, FALLBACK]


def _tool_uses(request: object) -> list[dict[str, object]]:
    """The tool_use blocks the follow-up request sends back (Pipecat stores each call as its own
    assistant message, which the Anthropic adapter merges into one)."""
    blocks: list[dict[str, object]] = []
    for message in request.messages:  # type: ignore[attr-defined]
        if message["role"] == "assistant" and isinstance(message["content"], list):
            blocks += [block for block in message["content"] if block.get("type") == "tool_use"]
    return blocks


def test_calls_of_one_reply_are_regrouped_and_later_rounds_are_not() -> None:
    def calls(*ids: str) -> dict[str, object]:
        return {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": i, "name": "t", "input": {}} for i in ids],
        }

    def results(*ids: str) -> dict[str, object]:
        return {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": i, "content": "{}"} for i in ids],
        }

    question = {"role": "user", "content": "compare"}
    history = [question, calls("a"), results("a"), calls("b"), results("b"), calls("c"), results("c")]

    regrouped = regroup_parallel_calls(history, {"a": 1, "b": 1, "c": 2})

    assert regrouped == [question, calls("a", "b"), results("a", "b"), calls("c"), results("c")]
    assert history[1] == calls("a")  # the input is left alone


async def test_a_full_leap_queue_on_a_call_says_one_moment_and_retries_once(world: World) -> None:  # noqa: F811
    customer = next(iter(world.data.customers.values()))
    # Leap answers the first lookup 429 with a wait longer than the client will hold the call for.
    world.sandbox.add_fault(FaultRule(method="GET", path="/customers/*", kind=FaultKind.RATE_LIMITED,
                                      retry_after=120, count=1))  # fmt: skip
    world.fake.script(
        on_user("who", reply(tool_use("get_customer", {"customer_id": customer.id}))),
        on_tool_result("get_customer", "Found them."),
    )

    async with conversation(world) as talk:
        answer = await talk.user_says("Who is that customer?")

    assert answer == "Found them."
    assert talk.said == ["One moment, Leap is busy."]
    assert getattr(phrases, "LEAP_BUSY", None) == talk.said[0]
    [result] = world.fake.requests[-1].tool_results
    assert not result.is_error and result.json()["id"] == customer.id
    assert [(event.tool, event.status) for event in talk.events] == [("get_customer", "ok")]
