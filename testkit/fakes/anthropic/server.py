"""The fake Messages API server: records each request, then answers it from the script.

Every request is decided in one locked step (validate, injected failure, script), because tests
often run the app in another thread (``serve_in_thread``) while they add steps or read
``requests``. Only the answer's delivery, with its configured latency, is asynchronous.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from testkit.fakes.anthropic.errors import ApiError, invalid_request
from testkit.fakes.anthropic.request import JsonObject, RecordedRequest
from testkit.fakes.anthropic.script import Answer, Script, Step
from testkit.fakes.anthropic.usage import PromptCache
from testkit.fakes.anthropic.validation import find_problem
from testkit.fakes.anthropic.wire import SseEvent, build_message, encode_event, new_id, stream_events

log = logging.getLogger(__name__)


@dataclass
class _Failure:
    error: ApiError
    model: str | None
    remaining: int | None


@dataclass(frozen=True)
class _Delivery:
    message: JsonObject
    stream: bool


class FakeAnthropic:
    """A scripted stand-in for ``api.anthropic.com``; serve ``.app`` and point the SDK's base_url at it.

    ``first_token_delay`` is the wait, in seconds, between the start of the response and the first
    content block (what Pipecat measures as the LLM's TTFB); ``chunk_delay`` the wait before each
    delta. A non-streaming request waits their sum before it is answered. Both stay as
    set across ``reset()``.
    """

    def __init__(self, *, first_token_delay: float = 0.0, chunk_delay: float = 0.0) -> None:
        self.first_token_delay = first_token_delay
        self.chunk_delay = chunk_delay
        self.requests: list[RecordedRequest] = []
        """Every well-formed JSON request received since the last reset, in arrival order."""
        self.problems: list[str] = []
        """What the fake could not answer as scripted: malformed or invalid requests, requests no
        step matched, steps that raised. Assert it is empty at the end of a scenario."""
        self._script = Script()
        self._failures: list[_Failure] = []
        self._cache = PromptCache()
        # Reentrant, so a scripted answer may itself call fail() or script().
        self._lock = threading.RLock()
        self.app = Starlette(routes=[Route("/v1/messages", self._messages, methods=["POST"])])

    def script(self, *steps: Step | Answer) -> None:
        """Add steps after those still pending (see ``script.py`` for how requests pick a step)."""
        with self._lock:
            self._script.add(*steps)

    def fail(self, error: ApiError, *, model: str | None = None, times: int | None = 1) -> None:
        """Answer the next ``times`` requests (for ``model``, or any) with ``error``; None = all.

        Failures are checked before the script, and a failed request consumes no step, so the
        retry or the fallback model gets the scripted reply.
        """
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 or None for every request, not {times}")
        with self._lock:
            self._failures.append(_Failure(error, model, times))

    def reset(self) -> None:
        """Forget script, failures, recorded requests, problems and the prompt cache."""
        with self._lock:
            self._script.clear()
            self._failures.clear()
            self._cache.clear()
            self.requests.clear()
            self.problems.clear()

    async def _messages(self, http: Request) -> Response:
        request_id = new_id("req")
        outcome = self._decide(await http.body(), http)
        if isinstance(outcome, ApiError):
            return JSONResponse(
                outcome.body(request_id), status_code=outcome.status, headers=outcome.headers(request_id)
            )
        headers = {"request-id": request_id}
        events = stream_events(outcome.message)
        if outcome.stream:
            return StreamingResponse(self._stream(events), media_type="text/event-stream", headers=headers)
        deltas = sum(1 for name, _data in events if name == "content_block_delta")
        await asyncio.sleep(self.first_token_delay + self.chunk_delay * deltas)
        return JSONResponse(outcome.message, headers=headers)

    def _decide(self, raw: bytes, http: Request) -> ApiError | _Delivery:
        """The error to answer ``raw`` with, or the message to deliver."""
        with self._lock:
            try:
                body = json.loads(raw)
            except ValueError as exc:
                return self._reject(f"request body is not valid JSON: {exc}")
            if not isinstance(body, dict):
                return self._reject("request body must be a JSON object")
            request = RecordedRequest(
                number=len(self.requests) + 1,
                path=http.url.path,
                query=dict(http.query_params),
                headers=dict(http.headers),
                body=body,
            )
            self.requests.append(request)
            problem = find_problem(body)
            if problem:
                return self._reject(problem, context=f"request #{request.number}")
            failure = self._take_failure(request.model)
            if failure:
                return failure
            try:
                reply = self._script.take(request)
            except Exception as exc:
                return self._reject(f"FakeAnthropic: the script failed on {request.summary()}: {exc!r}")
            if reply is None:
                return self._reject(
                    f"FakeAnthropic: no scripted reply matches {request.summary()}; {self._script.describe()}"
                )
            return _Delivery(build_message(reply, body, self._cache), stream=request.streaming)

    def _take_failure(self, model: str) -> ApiError | None:
        for failure in self._failures:
            if failure.model in (None, model):
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining == 0:
                        self._failures.remove(failure)
                return failure.error
        return None

    def _reject(self, message: str, *, context: str = "") -> ApiError:
        """Record why a request got no scripted answer and answer it with a 400 (never retried)."""
        self.problems.append(f"{context}: {message}" if context else message)
        log.warning("FakeAnthropic rejected a request: %s", self.problems[-1])
        return invalid_request(message)

    async def _stream(self, events: list[SseEvent]) -> AsyncIterator[bytes]:
        first_content = True
        for event in events:
            name = event[0]
            if name == "content_block_start" and first_content:
                first_content = False
                await asyncio.sleep(self.first_token_delay)
            elif name == "content_block_delta" and self.chunk_delay:
                await asyncio.sleep(self.chunk_delay)
            yield encode_event(event)
