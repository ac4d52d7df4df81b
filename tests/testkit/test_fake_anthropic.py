"""The fake Anthropic API, driven by the real ``anthropic`` SDK and Pipecat over loopback HTTP."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import anthropic
import pytest
from anthropic import AsyncAnthropic
from anthropic.types import MessageParam, TextBlockParam, ToolParam, ToolUseBlock
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import FunctionCallsStartedFrame, LLMContextFrame, LLMTextFrame
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.services.anthropic.llm import AnthropicLLMService
from pipecat.services.llm_service import FunctionCallParams
from pipecat.tests.utils import run_test

from testkit.fakes.anthropic import (
    ApiError,
    FakeAnthropic,
    ToolResult,
    always,
    on,
    on_tool_result,
    on_user,
    overloaded,
    rate_limited,
    reply,
    server_error,
    text,
    tool_use,
)
from testkit.servers import serve

MODEL = "claude-haiku-4-5"
FALLBACK_MODEL = "claude-sonnet-4-6"
TOOLS: list[ToolParam] = [
    {
        "name": "find_jobs",
        "description": "Find jobs in the CRM.",
        "input_schema": {"type": "object", "properties": {"status": {"type": "string"}}},
    },
    {
        "name": "get_customer",
        "description": "Look up one customer.",
        "input_schema": {"type": "object", "properties": {"customer_id": {"type": "integer"}}},
    },
]


def user(words: str) -> MessageParam:
    return {"role": "user", "content": words}


@pytest.fixture
def fake() -> FakeAnthropic:
    return FakeAnthropic()


@pytest.fixture
async def base_url(fake: FakeAnthropic) -> AsyncIterator[str]:
    async with serve(fake.app) as url:
        yield url


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[AsyncAnthropic]:
    sdk = AsyncAnthropic(api_key="test-key", base_url=base_url, max_retries=0)
    yield sdk
    await sdk.close()


async def test_streamed_text_arrives_in_several_deltas_that_join_to_the_scripted_reply(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    answer = "Three jobs on Elm Street are waiting for a signed contract this week."
    fake.script(reply(answer))

    async with client.messages.stream(
        model=MODEL, max_tokens=256, messages=[user("What is stuck?")]
    ) as stream:
        deltas = [delta async for delta in stream.text_stream]
        final = await stream.get_final_message()

    assert len(deltas) > 1
    assert "".join(deltas) == answer
    assert final.content[0].type == "text" and final.content[0].text == answer
    assert final.stop_reason == "end_turn"
    assert final.model == MODEL
    assert final.usage.input_tokens > 0 and final.usage.output_tokens > 0
    assert not fake.problems


async def test_several_tool_use_blocks_stream_into_tool_use_blocks_with_their_inputs(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    jobs_query = {"status": "open", "stages": ["Lead", "Estimate sent"], "limit": 5, "note": 'say "hi"'}
    fake.script(
        reply(
            text("Let me pull both up."),
            tool_use("find_jobs", jobs_query),
            tool_use("get_customer", {"customer_id": 42}),
        )
    )

    json_deltas: Counter[int] = Counter()
    async with client.messages.stream(
        model=MODEL, max_tokens=256, tools=TOOLS, messages=[user("Open jobs and customer 42?")]
    ) as stream:
        async for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "input_json_delta":
                json_deltas[event.index] += 1
        final = await stream.get_final_message()

    assert final.stop_reason == "tool_use"
    assert [block.type for block in final.content] == ["text", "tool_use", "tool_use"]
    lead, jobs, customer = final.content
    assert lead.type == "text" and lead.text == "Let me pull both up."
    assert isinstance(jobs, ToolUseBlock) and isinstance(customer, ToolUseBlock)
    assert (jobs.name, jobs.input) == ("find_jobs", jobs_query)
    assert (customer.name, customer.input) == ("get_customer", {"customer_id": 42})
    assert jobs.id.startswith("toolu_") and customer.id.startswith("toolu_") and jobs.id != customer.id
    assert json_deltas[1] > 1 and json_deltas[2] > 1


async def test_non_streaming_request_gets_the_complete_message(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.script(reply("Summary: the roof on Oak Lane is booked for Tuesday."))

    message = await client.messages.create(model=MODEL, max_tokens=256, messages=[user("Summarize.")])

    assert message.content[0].type == "text"
    assert message.content[0].text == "Summary: the roof on Oak Lane is booked for Tuesday."
    assert message.stop_reason == "end_turn"
    assert fake.requests[0].streaming is False


async def test_follow_up_reply_is_built_from_the_tool_result_it_receives(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.script(
        on_user("open jobs", reply(tool_use("find_jobs", {"status": "open"}))),
        on_tool_result(
            "find_jobs", lambda request: f"You have {len(request.tool_result('find_jobs').json())} open jobs."
        ),
    )
    question = user("How many open jobs do we have?")
    first = await client.messages.create(model=MODEL, max_tokens=256, tools=TOOLS, messages=[question])
    call = first.content[0]
    assert isinstance(call, ToolUseBlock)
    jobs = json.dumps([{"id": 1}, {"id": 2}, {"id": 3}])

    second = await client.messages.create(
        model=MODEL,
        max_tokens=256,
        tools=TOOLS,
        messages=[
            question,
            first.to_param(),
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": jobs}]},
        ],
    )

    assert second.content[0].type == "text" and second.content[0].text == "You have 3 open jobs."
    assert fake.requests[1].tool_results == [
        ToolResult(tool_use_id=call.id, name="find_jobs", content=jobs, is_error=False)
    ]


async def test_tool_result_answering_no_call_is_rejected_as_the_api_does_and_consumes_no_step(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.script(reply("Fine."))
    orphan: MessageParam = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_nobody", "content": "{}"}],
    }

    with pytest.raises(anthropic.BadRequestError, match="unexpected `tool_use_id`") as rejected:
        await client.messages.create(model=MODEL, max_tokens=64, messages=[user("Hi"), orphan])
    answer = await client.messages.create(model=MODEL, max_tokens=64, messages=[user("Hi")])

    assert rejected.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    assert answer.content[0].type == "text" and answer.content[0].text == "Fine."
    assert len(fake.problems) == 1 and "toolu_nobody" in fake.problems[0]


def tool_call(tool_id: str) -> MessageParam:
    return {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": tool_id, "name": "find_jobs", "input": {}}],
    }


def tool_answer(tool_id: str) -> Any:
    return {"type": "tool_result", "tool_use_id": tool_id, "content": "[]"}


CACHED_TEXT: Any = {"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}


@pytest.mark.parametrize(
    ("messages", "max_tokens", "complaint"),
    [
        (
            [user("Jobs?"), tool_call("toolu_a"), user("Well?")],
            64,
            "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_a",
        ),
        (
            [
                user("Jobs?"),
                tool_call("toolu_a"),
                {"role": "user", "content": [CACHED_TEXT, tool_answer("toolu_a")]},
            ],
            64,
            "Did not find 1 tool_result block(s) at the beginning of this message",
        ),
        (
            [{"role": "user", "content": [{"type": "text", "text": ""}]}],
            64,
            "text content blocks must be non-empty",
        ),
        ([{"role": "user", "content": [CACHED_TEXT] * 5}], 64, "A maximum of 4 blocks with cache_control"),
        ([user("Hi")], 0, "max_tokens: Input should be greater than or equal to 1"),
    ],
)
async def test_requests_the_real_api_rejects_are_rejected_with_its_wording(
    fake: FakeAnthropic, client: AsyncAnthropic, messages: list[MessageParam], max_tokens: int, complaint: str
) -> None:
    fake.script(always("Should not be sent."))

    with pytest.raises(anthropic.BadRequestError) as rejected:
        await client.messages.create(model=MODEL, max_tokens=max_tokens, messages=messages)

    assert complaint in rejected.value.message
    assert len(fake.problems) == 1 and complaint in fake.problems[0]


async def test_results_of_two_calls_in_one_message_are_accepted_and_named(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.script(on_tool_result("get_customer", "Both arrived."))
    calls: MessageParam = {
        "role": "assistant",
        "content": [
            {"type": "tool_use", "id": "toolu_jobs", "name": "find_jobs", "input": {}},
            {"type": "tool_use", "id": "toolu_customer", "name": "get_customer", "input": {"customer_id": 7}},
        ],
    }
    results: MessageParam = {
        "role": "user",
        "content": [tool_answer("toolu_jobs"), tool_answer("toolu_customer")],
    }

    message = await client.messages.create(
        model=MODEL, max_tokens=64, tools=TOOLS, messages=[user("Jobs and customer 7?"), calls, results]
    )

    assert message.content[0].type == "text" and message.content[0].text == "Both arrived."
    assert [(result.tool_use_id, result.name) for result in fake.requests[0].tool_results] == [
        ("toolu_jobs", "find_jobs"),
        ("toolu_customer", "get_customer"),
    ]


async def test_unscripted_request_gets_an_error_naming_it_and_the_pending_steps(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.script(on_user("weather", reply("Sunny.")))

    with pytest.raises(anthropic.BadRequestError) as rejected:
        await client.messages.create(model=MODEL, max_tokens=64, messages=[user("Call the Smiths back")])

    assert "no scripted reply" in rejected.value.message
    assert "'Call the Smiths back'" in rejected.value.message
    assert "on_user('weather')" in rejected.value.message
    assert fake.problems == [rejected.value.body["error"]["message"]]  # type: ignore[index]


@pytest.mark.parametrize(
    ("error", "exception", "status"),
    [
        (overloaded, anthropic.OverloadedError, 529),
        (lambda: rate_limited(retry_after=2), anthropic.RateLimitError, 429),
        (server_error, anthropic.InternalServerError, 500),
    ],
)
async def test_injected_errors_surface_as_the_sdk_exceptions(
    fake: FakeAnthropic,
    client: AsyncAnthropic,
    error: Callable[[], ApiError],
    exception: type[anthropic.APIStatusError],
    status: int,
) -> None:
    fake.fail(error())
    fake.script(reply("Recovered."))

    with pytest.raises(exception) as failed:
        await client.messages.create(model=MODEL, max_tokens=64, messages=[user("Hi")])
    recovered = await client.messages.create(model=MODEL, max_tokens=64, messages=[user("Hi")])

    assert failed.value.status_code == status
    assert failed.value.body["error"]["type"] == error().type  # type: ignore[index]
    assert failed.value.request_id and failed.value.request_id.startswith("req_")
    if status == 429:
        assert failed.value.response.headers["retry-after"] == "2"
    assert recovered.content[0].type == "text" and recovered.content[0].text == "Recovered."


async def test_sdk_retries_past_the_first_failures_on_its_own(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.fail(rate_limited(retry_after=0.01), times=2)
    fake.script(reply("Back in business."))

    message = await client.with_options(max_retries=2).messages.create(
        model=MODEL, max_tokens=64, messages=[user("Hi")]
    )

    assert message.content[0].type == "text" and message.content[0].text == "Back in business."
    assert [request.headers["x-stainless-retry-count"] for request in fake.requests] == ["0", "1", "2"]


async def test_failing_model_stays_down_while_the_fallback_model_answers(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.fail(overloaded(), model=FALLBACK_MODEL, times=None)
    fake.script(on(lambda request: request.model == MODEL, "Answered by the fallback.", times=None))

    for _ in range(2):
        with pytest.raises(anthropic.OverloadedError):
            await client.messages.create(model=FALLBACK_MODEL, max_tokens=64, messages=[user("Hi")])
        message = await client.messages.create(model=MODEL, max_tokens=64, messages=[user("Hi")])
        assert message.content[0].type == "text" and message.content[0].text == "Answered by the fallback."

    assert [request.model for request in fake.requests] == [FALLBACK_MODEL, MODEL, FALLBACK_MODEL, MODEL]


async def test_requests_are_recorded_with_system_prompt_tools_headers_and_cache_markers(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.script(reply("Hello."))

    await client.messages.create(
        model=MODEL,
        max_tokens=64,
        system=[{"type": "text", "text": "You are Hard-E.", "cache_control": {"type": "ephemeral"}}],
        tools=TOOLS,
        messages=[
            {
                "role": "user",
                "content": [{"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}],
            }
        ],
    )

    [request] = fake.requests
    assert request.path == "/v1/messages"
    assert request.system_text == "You are Hard-E."
    assert request.tool_names == ["find_jobs", "get_customer"]
    assert request.last_user_text == "Hi"
    assert request.cache_breakpoints == ["system.0", "messages.0.content.0"]
    assert request.headers["x-api-key"] == "test-key"
    assert request.headers["anthropic-version"]


async def test_prompt_cache_is_written_on_one_turn_and_read_on_the_next(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.script(always("Noted."))
    system: list[TextBlockParam] = [
        {
            "type": "text",
            "text": "You are Hard-E, a sales director. " * 20,
            "cache_control": {"type": "ephemeral"},
        }
    ]

    def cached_turn(words: str) -> MessageParam:
        return {
            "role": "user",
            "content": [{"type": "text", "text": words, "cache_control": {"type": "ephemeral"}}],
        }

    first = await client.messages.create(
        model=MODEL, max_tokens=64, system=system, messages=[cached_turn("First question.")]
    )
    second = await client.messages.create(
        model=MODEL,
        max_tokens=64,
        system=system,
        messages=[
            cached_turn("First question."),
            {"role": "assistant", "content": "Noted."},
            cached_turn("Second question."),
        ],
    )
    uncached = await client.messages.create(model=MODEL, max_tokens=64, messages=[user("No markers.")])

    assert first.usage.cache_creation_input_tokens and first.usage.cache_creation_input_tokens > 0
    assert first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens and second.usage.cache_creation_input_tokens > 0
    assert uncached.usage.cache_creation_input_tokens == uncached.usage.cache_read_input_tokens == 0
    assert uncached.usage.input_tokens > 0


async def test_reset_forgets_script_failures_and_recorded_requests(
    fake: FakeAnthropic, client: AsyncAnthropic
) -> None:
    fake.script(reply("Old scenario."))
    fake.fail(overloaded(), times=None)
    with pytest.raises(anthropic.OverloadedError):
        await client.messages.create(model=MODEL, max_tokens=64, messages=[user("Hi")])

    fake.reset()
    fake.script(reply("New scenario."))
    message = await client.messages.create(model=MODEL, max_tokens=64, messages=[user("Hi")])

    assert message.content[0].type == "text" and message.content[0].text == "New scenario."
    assert [request.number for request in fake.requests] == [1]


async def test_pipecat_anthropic_service_receives_a_two_tool_use_reply(
    fake: FakeAnthropic, base_url: str
) -> None:
    """Pipecat's real AnthropicLLMService streams the fake's reply: its text and its tool calls.

    Observed with pipecat-ai 1.14.0: Claude's reply carries get_weather(Paris) and
    get_weather(London), but Pipecat starts only the last call (London) and silently drops Paris
    (reference/pipecat-1.14.md §5). That is the bug the pipeline's fix addresses, so this test
    checks only that the reply reaches Pipecat and that whatever Pipecat starts is one of the
    scripted calls; it does not assert the dropped call as desired behaviour.
    """
    fake.script(
        reply(
            text("Checking both cities."),
            tool_use("get_weather", {"city": "Paris"}),
            tool_use("get_weather", {"city": "London"}),
        )
    )
    sdk = AsyncAnthropic(api_key="test-key", base_url=base_url, max_retries=0)
    llm = AnthropicLLMService(
        api_key="test-key",
        client=sdk,
        settings=AnthropicLLMService.Settings(model=MODEL, system_instruction="You are Hard-E."),
    )
    handled: list[dict[str, Any]] = []

    async def get_weather(params: FunctionCallParams) -> None:
        handled.append(dict(params.arguments))
        await params.result_callback({"forecast": "sunny"})

    llm.register_function("get_weather", get_weather)
    weather = FunctionSchema(
        name="get_weather",
        description="Current weather for a city.",
        properties={"city": {"type": "string"}},
        required=["city"],
    )
    context = LLMContext(
        messages=[{"role": "user", "content": "Weather in Paris and London?"}],
        tools=ToolsSchema(standard_tools=[weather]),
    )

    try:
        down, _up = await run_test(llm, frames_to_send=[LLMContextFrame(context)])
    finally:
        await sdk.close()

    [request] = fake.requests
    assert request.streaming and request.system_text == "You are Hard-E."
    assert request.tool_names == ["get_weather"]
    assert "".join(frame.text for frame in down if isinstance(frame, LLMTextFrame)) == "Checking both cities."
    started = [
        call
        for frame in down
        if isinstance(frame, FunctionCallsStartedFrame)
        for call in frame.function_calls
    ]
    scripted = [{"city": "Paris"}, {"city": "London"}]
    assert started, "Pipecat started none of the scripted tool calls"
    assert all(call.function_name == "get_weather" and call.arguments in scripted for call in started)
    assert all(arguments in scripted for arguments in handled)
    assert not fake.problems
