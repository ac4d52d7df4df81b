"""Wait for a state to hold, not for time to pass: fast on a quiet machine, correct on a busy one."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable


async def until(condition: Callable[[], Awaitable[bool] | bool], timeout: float = 60) -> None:
    """Return once ``condition`` holds (checked every 20 ms); fail after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            holds = condition()
            if await holds if inspect.isawaitable(holds) else holds:
                return
            await asyncio.sleep(0.02)
