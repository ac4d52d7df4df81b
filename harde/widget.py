"""The browser widget as ``harde serve`` serves it: the bundle, a stand-alone page, the embed line.

``/widget`` is a page that is nothing but the panel (the token comes as ``?token=``);
``/widget/hard-e-widget.js`` is the bundle ``scripts/setup`` builds from ``web/widget`` (it is not
in git). Any page can embed the panel with one line, shown on the stand-alone page. In
development, start-up prints a ready-to-open link for the demo tenant's owner.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from core.problems import ProblemType, problem_response
from tenants import DEMO_TENANT_ID, Role, TenantNotFound, TenantStore
from tenants.widget_tokens import MAX_TTL, WidgetTokens

log = logging.getLogger(__name__)

BUNDLE = Path(__file__).resolve().parents[1] / "web" / "widget" / "dist" / "hard-e-widget.js"
WIDGET_NOT_BUILT = ProblemType("widget-not-built", 503, "The widget has not been built")

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Talk to Hard-E</title>
<style>
  body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; }}
  details {{ margin-top: 2rem; color: #4a5568; }}
  code {{ background: #f1f3f6; border-radius: 4px; padding: 0.1rem 0.3rem; word-break: break-all; }}
</style>
</head>
<body>
<main>
<div id="hard-e"></div>
<details>
<summary>Put this panel on your own page</summary>
<p>Add this one line to any page, with a widget token from
<code>POST /v1/tenants/{{id}}/widget-tokens</code>:</p>
<p><code>{snippet}</code></p>
</details>
</main>
<script src="/widget/hard-e-widget.js"></script>
</body>
</html>
"""


def embed_snippet(public_url: str) -> str:
    """The one line that puts the panel on any page (the token is the page owner's to fill in)."""
    base = public_url.rstrip("/")
    return f'<script src="{base}/widget/hard-e-widget.js" data-token="hdw_..." async></script>'


@router.get("/widget")
async def widget_page(request: Request) -> HTMLResponse:
    base = request.app.state.services.settings.public_url.rstrip("/")
    return HTMLResponse(_PAGE.format(snippet=escape(embed_snippet(base))))


@router.get("/widget/hard-e-widget.js")
async def widget_bundle(request: Request) -> Response:
    if not BUNDLE.exists():
        return problem_response(
            WIDGET_NOT_BUILT,
            "The widget's JavaScript is not built on this server; run scripts/setup (it needs Node.js).",
            instance=request.url.path,
        )
    return FileResponse(BUNDLE, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


async def demo_widget_url(public_url: str, tenants: TenantStore, tokens: WidgetTokens) -> str | None:
    """A link that opens the widget as the demo tenant's owner (for development), or None."""
    try:
        tenant = await tenants.get_tenant(DEMO_TENANT_ID)
        users = await tenants.list_users(DEMO_TENANT_ID)
    except TenantNotFound:
        return None
    owner = next((user for user in users if user.role is Role.OWNER), None)
    if owner is None:
        return None
    token, _claims = tokens.issue(
        tenant, role=Role.OWNER, user_id=owner.id, ttl=min(MAX_TTL, timedelta(hours=24))
    )
    return f"{public_url.rstrip('/')}/widget?token={token}"
