"""Wire-level fake of Anthropic's Messages API, for the real ``anthropic`` SDK and Pipecat.

Writing a scenario:
    fake = FakeAnthropic(first_token_delay=0.5)      # serve fake.app; AsyncAnthropic(base_url=url)
    fake.script(
        on_user("open jobs", reply("Let me look.", tool_use("find_jobs", {"status": "open"}))),
        on_tool_result("find_jobs", lambda req: f"You have {len(req.tool_result('find_jobs').json())}."),
    )
    fake.script(reply("First."), reply("Second."))   # bare replies answer any request, in order
    fake.fail(overloaded(), model="claude-sonnet-4-6", times=None)   # that model is always 529
    fake.fail(model_not_found("claude-x"), model="claude-x", times=None)  # retired: always 404
    fake.fail(invalid_request("messages: ..."), times=None)          # every model answers 400
    ...; assert fake.requests[0].tool_names == ["find_jobs"] and not fake.problems
A request no step matches gets a 400 naming it and the pending steps, and lands in fake.problems.
"""

from testkit.fakes.anthropic.errors import (
    ApiError,
    invalid_request,
    model_not_found,
    overloaded,
    rate_limited,
    server_error,
)
from testkit.fakes.anthropic.request import RecordedRequest, ToolResult
from testkit.fakes.anthropic.script import (
    Reply,
    Step,
    Text,
    ToolUse,
    always,
    on,
    on_tool_result,
    on_user,
    reply,
    text,
    tool_use,
)
from testkit.fakes.anthropic.server import FakeAnthropic

__all__ = [
    "ApiError",
    "FakeAnthropic",
    "RecordedRequest",
    "Reply",
    "Step",
    "Text",
    "ToolResult",
    "ToolUse",
    "always",
    "invalid_request",
    "model_not_found",
    "on",
    "on_tool_result",
    "on_user",
    "overloaded",
    "rate_limited",
    "reply",
    "server_error",
    "text",
    "tool_use",
]
