"""What the Deepgram and Cartesia fakes share: one websocket session's sends, its fixed
reply delay, and the faults a test can inject into it.

Benchmarks need providers whose latency is a known constant, so that what they measure
is Hard-E and not the local Whisper or Piper standing in for the provider: ``FixedDelay``
pads fast work up to the constant and reports, rather than hides, work that was slower.
Tests need providers that fail the way real ones do: ``Fault`` drops the socket or makes
the provider report an error, after a number of replies or a number of seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

logger = logging.getLogger(__name__)

# Close code for a server-side failure; clients treat it as an abnormal closure, not a goodbye.
INTERNAL_ERROR_CLOSE = 1011


@dataclass(frozen=True)
class FixedDelay:
    """A reply that leaves a fixed time after its cause, or as soon as it is ready if ``None``."""

    seconds: float | None = None

    async def wait_since(self, started: float) -> float:
        """Sleep out the rest of the delay counted from ``started`` (``time.monotonic()``).

        Returns how many seconds late the reply is (0.0 when on time or unpaced), so the
        fake can record it for the benchmark to report.
        """
        if self.seconds is None:
            return 0.0
        remaining = started + self.seconds - time.monotonic()
        if remaining > 0:
            await asyncio.sleep(remaining)
            return 0.0
        return -remaining


class FaultKind(StrEnum):
    DROP = "drop"  # the socket closes abnormally without a word, like a network cut
    ERROR = "error"  # the provider reports an error in its own message format


@dataclass(frozen=True)
class Fault:
    """A failure to inject, once, into each listed session (counted from 1 in connection order).

    It fires after the fake has sent ``after_messages`` messages in the session, or
    ``after_seconds`` after the session opened, whichever is given. Only the first
    session fails by default, so a client that reconnects finds a working provider.
    """

    kind: FaultKind
    after_messages: int | None = None
    after_seconds: float | None = None
    sessions: frozenset[int] = frozenset({1})

    def __post_init__(self) -> None:
        if (self.after_messages is None) == (self.after_seconds is None):
            raise ValueError("a Fault needs exactly one of after_messages or after_seconds")
        if (self.after_messages or 0) < 0 or (self.after_seconds or 0.0) < 0:
            raise ValueError("a Fault cannot fire before its session starts")


class FakeSocket:
    """The fake's end of one websocket session.

    Sends are serialised (several tasks of a session reply at once) and become no-ops
    once the socket is closed, so a reply racing a hang-up or an injected drop is simply
    lost, as it would be on a real connection.
    """

    def __init__(
        self,
        websocket: WebSocket,
        *,
        number: int,
        fault: Fault | None,
        report_error: Callable[[], Awaitable[None]],
    ) -> None:
        """``report_error`` sends the provider's own error message when an ERROR fault fires."""
        self._number = number
        self._sent = 0
        self._closed = False
        self._fault_fired = False
        self._websocket = websocket
        self._fault = fault if fault is not None and number in fault.sessions else None
        self._report_error = report_error
        self._send_lock = asyncio.Lock()

    async def messages(self) -> AsyncIterator[str | bytes]:
        """Yield what the client sends until it hangs up or the fake closes the socket."""
        timer = self._start_fault_timer()
        try:
            while not self._closed:
                message = await self._websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("bytes") is not None:
                    yield message["bytes"]
                elif message.get("text") is not None:
                    yield message["text"]
        finally:
            self._closed = True
            if timer is not None:
                timer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await timer

    async def send_json(self, message: dict[str, Any]) -> None:
        """Send one JSON message, then fire a message-counted fault if it is now due."""
        async with self._send_lock:
            if self._closed:
                return
            try:
                await self._websocket.send_text(json.dumps(message))
            except WebSocketDisconnect:
                self._closed = True
                return
            self._sent += 1
        fault = self._fault
        if fault is not None and fault.after_messages is not None and self._sent >= fault.after_messages:
            await self._fire_fault()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket (once); 1000 is a normal goodbye."""
        async with self._send_lock:
            if self._closed:
                return
            self._closed = True
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await self._websocket.close(code, reason)

    async def _fire_fault(self) -> None:
        """Fire the session's fault now, if it has one that has not fired yet."""
        if self._fault is None or self._fault_fired:
            return
        self._fault_fired = True
        logger.info("fake provider: injecting %s into session %d", self._fault.kind, self._number)
        if self._fault.kind is FaultKind.DROP:
            await self.close(INTERNAL_ERROR_CLOSE, "injected fault")
        else:
            await self._report_error()

    def _start_fault_timer(self) -> asyncio.Task[None] | None:
        if self._fault is None:
            return None
        if self._fault.after_seconds is None:
            if self._fault.after_messages == 0:
                return asyncio.create_task(self._fire_fault())
            return None
        return asyncio.create_task(self._fire_after(self._fault.after_seconds))

    async def _fire_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._fire_fault()
