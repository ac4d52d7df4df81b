"""The harness itself: a test that goes wrong must fail within its timeout, never hang the run.

Each case runs a small test file in a separate pytest process, with the project's own fixtures,
and gives that process a generous outer limit: a hang fails here instead of stalling the suite.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTER_LIMIT_SECS = 300.0

_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
timeout = 120
timeout_func_only = true
filterwarnings = ignore::DeprecationWarning
"""

_CONFTEST = """
from tests.conftest import *  # noqa: F403 (Redis, and the guards under test)
from tests.brain.conftest import world  # noqa: F401
from tests.pipeline.conftest import phone, whisper  # noqa: F401
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytest run in its own process that can import the project's tests and their fixtures."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    pytester.makeini(_INI)
    pytester.makeconftest(_CONFTEST)
    return pytester


def run_inner(inner: pytest.Pytester, test_source: str) -> pytest.RunResult:
    inner.makepyfile(test_inner=test_source)
    # A short base: the embedded Redis listens on a unix socket there, and those paths are capped.
    with tempfile.TemporaryDirectory(prefix="inner-") as base:
        return inner.runpytest_subprocess(
            "-p", "no:cacheprovider", f"--basetemp={base}/t", timeout=OUTER_LIMIT_SECS
        )


@pytest.mark.timeout(OUTER_LIMIT_SECS + 30)
def test_a_call_whose_bot_never_answers_fails_clearly_within_its_timeout(inner: pytest.Pytester) -> None:
    result = run_inner(
        inner,
        """
import pytest
from testkit.fakes.anthropic import always

@pytest.mark.timeout(40)
async def test_unanswered(phone):
    phone.world.fake.script(always("Unreachable."))  # whatever Whisper hears
    phone.world.fake.first_token_delay = 3600.0  # Claude takes the question and never starts answering
    async with phone.call() as caller:
        await caller.bot_reply(after=0.0)
        asked = await caller.say("What is on my schedule today")
        await caller.bot_reply(after=asked, limit=600.0)
""",
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*TimeoutError: *test_unanswered did not finish in 30 s*"])


@pytest.mark.timeout(OUTER_LIMIT_SECS + 30)
def test_a_task_that_ignores_cancellation_is_reported_and_abandoned(inner: pytest.Pytester) -> None:
    result = run_inner(
        inner,
        """
import asyncio

async def stubborn():
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            pass

async def test_leaves_a_stubborn_task():
    asyncio.get_running_loop().create_task(stubborn(), name="stubborn-task")
""",
    )

    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*AbandonedTask: abandoned a task still running*stubborn-task*"])
