"""Success envelopes (reference §2.5, §2.8): every body carries `status: 200` next to its wrapper key."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.datastructures import URL

T = TypeVar("T")

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Paging:
    limit: int
    page: int

    @classmethod
    def from_query(cls, limit: str | None, page: str | None) -> Paging:
        """Lenient like Leap: nonsense falls back to the default, oversize is clamped, never rejected."""
        return cls(limit=min(_positive_int(limit) or DEFAULT_LIMIT, MAX_LIMIT), page=_positive_int(page) or 1)


def _positive_int(text: str | None) -> int | None:
    try:
        value = int(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and value > 0 else None


def ok(**payload: Any) -> dict[str, Any]:
    """A success body: the call's wrapper key(s), then `status: 200`."""
    return {**payload, "status": 200}


def item(data: Any) -> dict[str, Any]:
    return ok(data=data)


def unpaged(data: list[Any]) -> dict[str, Any]:
    """Config lists that Leap returns whole, without `meta`."""
    return ok(data=data)


def page_of(
    items: Sequence[T], paging: Paging, url: URL, present: Callable[[T], dict[str, Any]]
) -> dict[str, Any]:
    """One page of `items` in Fractal's paginator shape; links appear only where a page exists."""
    total = len(items)
    total_pages = max(1, math.ceil(total / paging.limit))
    start = (paging.page - 1) * paging.limit
    shown = [present(entry) for entry in items[start : start + paging.limit]]
    links: dict[str, str] = {}
    if paging.page < total_pages:
        links["next"] = str(url.include_query_params(page=paging.page + 1))
    if paging.page > 1:
        links["previous"] = str(url.include_query_params(page=paging.page - 1))
    pagination = {
        "total": total,
        "count": len(shown),
        "per_page": paging.limit,
        "current_page": paging.page,
        "total_pages": total_pages,
        "links": links,
    }
    return ok(data=shown, meta={"pagination": pagination})
