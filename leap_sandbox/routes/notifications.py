"""Notifications (proposed, invented): where note mentions land, so a mention can be verified."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from leap_sandbox import presenters_activity as activity
from leap_sandbox.deps import Data, Page
from leap_sandbox.envelopes import page_of

router = APIRouter(tags=["notifications (proposed)"])


@router.get("/notifications", summary="Notifications, newest first (proposed)")
async def list_notifications(
    request: Request, ds: Data, paging: Page, user_id: int | None = None, type: str | None = None
) -> dict[str, Any]:
    found = sorted(
        (
            n
            for n in ds.notifications.values()
            if (user_id is None or n.user_id == user_id) and (type is None or n.type == type)
        ),
        key=lambda n: (n.created_at, n.id),
        reverse=True,
    )
    return page_of(found, paging, request.url, lambda n: activity.notification(ds, n))
