"""Make a failing async test fail, never hang.

pytest-timeout's signal raises its failure wherever the main thread happens to be, often inside
the event loop or inside one of Pipecat's tasks; the loop is then torn down with tasks whose own
cleanup was cut short, and ``asyncio.Runner.close`` waits for them forever (neither the timeout nor
Ctrl-C gets through). Two guards, installed by ``tests/conftest.py``:

- ``in_loop_timeout`` runs each async test under ``asyncio.timeout`` a little before
  pytest-timeout would fire, so the test is cancelled at an ``await`` and every ``async with``
  in it cleans up as it would after any other error.
- ``bounded_task_cancellation`` replaces the unbounded wait in ``asyncio.Runner.close``: tasks
  still running after the test are cancelled and given ``GRACE_SECS``; any that will not finish
  is reported (its name and where it is stuck) and abandoned.
"""

from __future__ import annotations

import asyncio
import asyncio.runners
import functools
import inspect
import io
import warnings
from typing import Any

import pytest

GRACE_SECS = 10.0
"""How long leftover tasks get to finish cancelling once a test's loop closes."""

# Left between the in-loop timeout and pytest-timeout's signal, for the test's own cleanup.
_CLEANUP_SHARE = 0.25
_MAX_CLEANUP_SECS = 30.0


def test_timeout(item: pytest.Item) -> float | None:
    """The pytest-timeout limit that applies to ``item`` (None: no limit)."""
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        seconds = float(marker.args[0])
    else:
        configured = item.config.getoption("timeout", None) or item.config.getini("timeout")
        seconds = float(configured or 0)
    return seconds if seconds > 0 else None


def in_loop_budget(limit: float) -> float:
    """How long the test body may run before it is cancelled inside its loop."""
    return limit - min(_MAX_CLEANUP_SECS, limit * _CLEANUP_SHARE)


def in_loop_timeout(item: pytest.Function) -> None:
    """Wrap ``item``'s coroutine function so it is cancelled inside its loop before pytest-timeout fires."""
    limit = test_timeout(item)
    test = item.obj
    if limit is None or not inspect.iscoroutinefunction(test):
        return
    budget = in_loop_budget(limit)

    @functools.wraps(test)
    async def bounded(*args: Any, **kwargs: Any) -> Any:
        try:
            async with asyncio.timeout(budget):
                return await test(*args, **kwargs)
        except TimeoutError as error:
            raise TimeoutError(
                f"{item.nodeid} did not finish in {budget:.0f} s (its timeout is {limit:.0f} s, the rest "
                "is left for cleanup); see the traceback for the await it was stuck at"
            ) from error

    item.obj = bounded


async def settle(*tasks: asyncio.Task[Any], within: float = GRACE_SECS) -> None:
    """Cancel ``tasks`` and wait at most ``within`` for them to finish; report and abandon the rest.

    Harness code uses this instead of a bare ``await task`` after ``cancel()``, which waits forever
    for a task that swallows its cancellation."""
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return
    _done, stuck = await asyncio.wait(pending, timeout=within)
    for task in stuck:
        _report(f"abandoned a task that ignored cancellation for {within:.0f} s", task)


class AbandonedTask(UserWarning):
    """A task the harness gave up on; pytest lists it in the warnings summary of the run."""


def _report(what: str, task: asyncio.Task[Any]) -> None:
    stack = io.StringIO()
    task.print_stack(limit=8, file=stack)
    warnings.warn(
        f"{what}: {task.get_name()} {task.get_coro()!r}\n{stack.getvalue()}", AbandonedTask, stacklevel=1
    )


def _cancel_all_tasks_within_grace(loop: asyncio.AbstractEventLoop) -> None:
    """``asyncio.runners._cancel_all_tasks`` with a bound: report and abandon what will not stop."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not pending:
        return
    for task in pending:
        task.cancel()
    _done, stuck = loop.run_until_complete(asyncio.wait(pending, timeout=GRACE_SECS))
    for task in stuck:
        _report(f"abandoned a task still running {GRACE_SECS:.0f} s after it was cancelled", task)
    for task in pending:
        if task in stuck or task.cancelled():
            continue
        error = task.exception()
        if error is not None:
            loop.call_exception_handler(
                {"message": "unhandled exception during test loop shutdown", "exception": error, "task": task}
            )


def bounded_task_cancellation() -> None:
    """Install the bounded shutdown in place of asyncio's own (pytest-asyncio closes loops with it)."""
    runners: Any = asyncio.runners
    runners._cancel_all_tasks = _cancel_all_tasks_within_grace
