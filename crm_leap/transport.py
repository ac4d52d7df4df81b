"""One HTTP conversation with Leap: auth, the shared rate limit, retries, typed errors, paging.

Every request first takes a slot from the per-token limiter (so all workers together stay under
Leap's per-minute limit), then goes out over a pooled connection with connect and read timeouts.
Reads are retried on 429 (waiting for ``Retry-After``), 5xx and timeouts with jittered exponential
backoff, a bounded number of times. Writes are not retried when the outcome is unknown (a 5xx or a
timeout may mean the note was saved); they are retried only when Leap provably did nothing: a 429
(the throttle rejects before any handler runs) or a connection that never opened.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from core.ratelimit import RateLimitExceeded, TokenBucket
from crm_leap.errors import LeapError, LeapRateLimited, LeapUnavailable
from crm_leap.wire import JSON, FormValue, error_for, form_fields, unwrap_record

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=10.0)
DEFAULT_POOL = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0)

_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. ``attempts`` counts the first try; waits grow from ``base_delay`` to ``max_delay``."""

    attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 4.0
    max_retry_after: float = 30.0
    """A ``Retry-After`` longer than this is not waited out: the caller hears "rate limited" at once."""

    def backoff(self, attempt: int) -> float:
        """Jittered exponential delay after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class Page:
    """One page of a Leap list, with what its ``meta.pagination`` says about the rest."""

    items: list[JSON]
    total: int
    page: int
    total_pages: int

    @property
    def has_more(self) -> bool:
        return self.page < self.total_pages


class LeapTransport:
    """Sends requests for one Leap token. Share ``http`` between transports to share one connection pool."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str,
        limiter: TokenBucket | None = None,
        limiter_wait: float = 30.0,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if not token.strip():
            raise ValueError("a Leap API token is required")
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._limiter = limiter
        self._limiter_wait = limiter_wait
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout, limits=DEFAULT_POOL)

    @property
    def base_url(self) -> str:
        return self._base_url

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def get(self, path: str, params: Mapping[str, FormValue] | None = None, *, operation: str) -> Any:
        """The JSON body of a GET (reads retry)."""
        return await self._send("GET", path, params=params, operation=operation, safe_to_repeat=True)

    async def write(
        self,
        method: str,
        path: str,
        form: Mapping[str, FormValue] | None = None,
        *,
        operation: str,
    ) -> JSON:
        """The JSON body of a form-encoded POST/PUT/DELETE (no blind retries)."""
        body = await self._send(method, path, form=form, operation=operation, safe_to_repeat=False)
        return body if isinstance(body, dict) else {}

    async def get_page(
        self,
        path: str,
        params: Mapping[str, FormValue] | None = None,
        *,
        operation: str,
        limit: int = 10,
        page: int = 1,
    ) -> Page:
        """One page of a list; ``limit`` is clamped to Leap's maximum of 100."""
        query = {**(params or {}), "limit": max(1, min(limit, MAX_PAGE_SIZE)), "page": max(1, page)}
        body = await self.get(path, query, operation=operation)
        items = [unwrap_record(item) for item in list_of(body)]
        meta = body.get("meta") if isinstance(body, dict) else None
        pagination = (meta or {}).get("pagination") or {}
        current = int(pagination.get("current_page") or page)
        return Page(
            items=items,
            total=int(pagination.get("total") or len(items)),
            page=current,
            total_pages=int(pagination.get("total_pages") or current),
        )

    async def iterate(
        self,
        path: str,
        params: Mapping[str, FormValue] | None = None,
        *,
        operation: str,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[JSON]:
        """Every item of a list, fetching the next page only when the caller gets that far."""
        number = 1
        while True:
            page = await self.get_page(path, params, operation=operation, limit=page_size, page=number)
            for item in page.items:
                yield item
            if not page.has_more or not page.items:
                return
            number += 1

    async def _send(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        safe_to_repeat: bool,
        params: Mapping[str, FormValue] | None = None,
        form: Mapping[str, FormValue] | None = None,
    ) -> Any:
        """The parsed JSON body of a successful response, retrying what may be retried."""
        query = tuple(form_fields(params)) if params else None
        data = _grouped(form_fields(form)) if form is not None else None
        attempt = 0
        while True:
            attempt += 1
            await self._take_slot(operation)
            try:
                response = await self._http.request(
                    method,
                    f"{self._base_url}{path}",
                    params=query,
                    data=data,
                    headers=self._headers,
                    timeout=self._timeout,
                )
                log.debug("leap %s %s -> %s", method, path, response.status_code)
                if response.is_success:
                    return _json(response, operation)
                failure: LeapError = error_for(response, operation)
                delay = self._delay_before_retry(failure, attempt, safe_to_repeat)
            except httpx.TransportError as exc:
                failure = LeapUnavailable(f"Leap did not answer {operation}: {_describe(exc)}")
                failure.__cause__ = exc
                may_repeat = safe_to_repeat or isinstance(exc, _NEVER_SENT)
                delay = self._retry.backoff(attempt) if may_repeat else None
            except LeapUnavailable as unreadable:  # a 2xx whose body is not JSON
                failure = unreadable
                delay = self._retry.backoff(attempt) if safe_to_repeat else None
            if delay is None or attempt >= self._retry.attempts:
                raise failure
            log.info(
                "leap %s %s attempt %d failed (%s); retrying in %.2f s",
                method,
                path,
                attempt,
                type(failure).__name__,
                delay,
            )
            await asyncio.sleep(delay)

    def _delay_before_retry(self, failure: LeapError, attempt: int, safe_to_repeat: bool) -> float | None:
        """How long to wait before trying again, or ``None`` when this failure must not be retried."""
        if isinstance(failure, LeapRateLimited):
            if failure.retry_after is None:
                return self._retry.backoff(attempt)
            if failure.retry_after > self._retry.max_retry_after:
                return None
            return failure.retry_after + random.uniform(0, self._retry.base_delay)
        if safe_to_repeat and isinstance(failure, LeapUnavailable):
            return self._retry.backoff(attempt)
        return None

    async def _take_slot(self, operation: str) -> None:
        if self._limiter is None:
            return
        try:
            await self._limiter.acquire(self._limiter_wait)
        except RateLimitExceeded as exc:
            raise LeapRateLimited(
                f"too many Leap requests queued for this account to run {operation} now",
                retry_after=exc.retry_after,
            ) from exc


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """httpx wants repeated form keys (``trades[]``) as one key with a list of values."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


def _json(response: httpx.Response, operation: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise LeapUnavailable(
            f"Leap answered {operation} with something that is not JSON "
            f"({response.status_code}, {response.headers.get('content-type', 'no content type')})",
            status=response.status_code,
        ) from exc


def list_of(body: Any) -> list[Mapping[str, Any]]:
    data = body.get("data") if isinstance(body, dict) else body
    if not isinstance(data, list):
        return []
    return [item for item in data if isinstance(item, Mapping)]


def _describe(exc: httpx.TransportError) -> str:
    return type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"
