"""Background work that repeats while the app runs (the audit archive sweep, scheduled briefings).

One loop for all of them, so each job only says what one round does: a round that fails is logged
and the next one tries again, and stopping cancels the wait or the round in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Waits ``interval_s``, runs ``work``, and again, from ``start()`` until ``aclose()``."""

    def __init__(self, name: str, work: Callable[[], Awaitable[object]], interval_s: float) -> None:
        self._name = name
        self._work = work
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self._work()
            except Exception:
                log.exception("%s failed; trying again in %.0f s", self._name, self._interval_s)
