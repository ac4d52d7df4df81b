"""Which requests reach a route Leap does not publish, so a token can be made to lack them.

Routes tagged "(proposed)" mirror Leap's internal API; whether a real account's Developer token
may call them is unknown. A token whose unpublished routes are switched off gets Leap's router
answer for them (404 ``{"message": "Not found"}``), exactly like an account without them, so
capability discovery can be tested against the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.routing import APIRoute

PROPOSED_TAG = "(proposed)"


class RouteCatalog:
    """The v3 routes (paths below ``/api/v3``), each known as published or proposed."""

    def __init__(self, routers: Iterable[APIRouter]) -> None:
        self._routes = [
            (route, any(PROPOSED_TAG in str(tag) for tag in route.tags))
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute)
        ]

    def is_unpublished(self, method: str, api_path: str) -> bool:
        """True when the request would reach only proposed routes: the route for this method is
        proposed, or the path exists only as proposed routes (a 405 that would give one away)."""
        on_path = [(route, proposed) for route, proposed in self._routes if route.path_regex.match(api_path)]
        for route, proposed in on_path:
            if method in (route.methods or ()):
                return proposed
        return bool(on_path) and all(proposed for _, proposed in on_path)
