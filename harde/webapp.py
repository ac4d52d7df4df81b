"""The web app as ``harde serve`` serves it: ``web/app/dist`` under ``/app/``, and ``/`` leading there.

The app is a single-page React app (``web/app``, built by ``scripts/setup``, not in git): its
router owns every path under ``/app/``, so an unknown path gets ``index.html`` and the app shows the
page (or its own "not found"). Asset names carry a content hash, so they are cached for good and
``index.html`` never is. Invite links (``/?invite=...`` from before the app existed, and the app's
own ``/app/welcome?invite=...``) both open the welcome page.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from core.problems import ProblemType, problem_response
from tenants import DEMO_TENANT_ID, Role, TenantNotFound, TenantStore
from tenants.password_links import PasswordLinks, Purpose, link_url

DIST = Path(__file__).resolve().parents[1] / "web" / "app" / "dist"
APP_NOT_BUILT = ProblemType("app-not-built", 503, "The web app has not been built")
APP_FILE_NOT_FOUND = ProblemType("not-found", 404, "No such file")

# Nothing from another host runs in the app: scripts, styles, fonts, media and API calls are all
# this server's. Inline styles stay allowed (the chart library and the widget set them), and blob:
# scripts (the widget's audio worklets are made by its own code in the page, from blob URLs).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
_PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_ASSET_HEADERS = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}

router = APIRouter(include_in_schema=False)


def app_link(public_url: str, path: str = "", **query: str) -> str:
    """An address in the app, e.g. ``app_link(url, "welcome", invite=code)``."""
    link = f"{public_url.rstrip('/')}/app/{path}"
    return f"{link}?{urlencode(query)}" if query else link


async def demo_app_link(public_url: str, tenants: TenantStore, links: PasswordLinks) -> str | None:
    """How the demo tenant's owner opens the app (for development): the first time, a one-time
    link to choose a password (each start makes a new one and voids the last); once they have a
    password, the sign-in page with their email. None without a demo tenant or owner."""
    try:
        tenant = await tenants.get_tenant(DEMO_TENANT_ID)
        users = await tenants.list_users(DEMO_TENANT_ID)
    except TenantNotFound:
        return None
    owner = next((user for user in users if user.role is Role.OWNER), None)
    if owner is None:
        return None
    if owner.password_hash:
        return f"{app_link(public_url, 'sign-in')} (sign in as {owner.email})"
    token, _link = await links.create(tenant, owner, Purpose.WELCOME, created_by="harde serve")
    return f"{link_url(public_url.rstrip('/'), token)} (choose a password for {owner.email}; works once)"


@router.get("/")
async def home(invite: str | None = None) -> RedirectResponse:
    return RedirectResponse(f"/app/welcome?{urlencode({'invite': invite})}" if invite else "/app/")


@router.get("/app")
async def app_root() -> RedirectResponse:
    return RedirectResponse("/app/")


@router.get("/app/{path:path}")
async def app_page(path: str, request: Request) -> Response:
    index = DIST / "index.html"
    if not index.exists():
        return problem_response(
            APP_NOT_BUILT,
            "The web app is not built on this server; run scripts/setup (it needs Node.js).",
            instance=request.url.path,
        )
    if path.startswith("assets/"):
        asset = (DIST / path).resolve()
        if asset.is_file() and DIST in asset.parents:
            return FileResponse(asset, headers=_ASSET_HEADERS)
        # A missing script must not be answered with the page: the browser would run HTML as code.
        return problem_response(
            APP_FILE_NOT_FOUND, f"{path} is not part of this build.", instance=request.url.path
        )
    return FileResponse(index, media_type="text/html", headers=_PAGE_HEADERS)
