"""What the sandbox was asked, for tests and benchmarks to inspect. Tokens appear only as a digest."""

from __future__ import annotations

from collections import deque

from pydantic import BaseModel, Field

BODY_PREVIEW_LIMIT = 4000


class RequestRecord(BaseModel):
    at: str = Field(description="Company-local time the request arrived, `YYYY-MM-DD HH:MM:SS`.")
    token_id: str | None = Field(description="Digest of the Bearer token (never the token itself).")
    method: str
    path: str = Field(description="Path relative to the sandbox mount, e.g. `/api/v3/jobs/5001`.")
    query: str
    content_type: str | None
    body: str = Field(description=f"Request body as text, cut at {BODY_PREVIEW_LIMIT} characters.")
    status: int = Field(description="Status answered; 499 when the client gave up on a held request.")
    fault: str | None = Field(description="Injected fault applied, if any (`latency`, `429`, `500`, ...).")


class RequestLog:
    """The most recent requests, oldest first, bounded so a long benchmark cannot grow it forever."""

    def __init__(self, capacity: int = 5000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=capacity)

    def add(self, record: RequestRecord) -> None:
        self._records.append(record)

    def clear(self) -> None:
        self._records.clear()

    def records(self, token_id: str | None = None) -> list[RequestRecord]:
        return [r for r in self._records if token_id is None or r.token_id == token_id]
