"""What the web-app tests share: the app site (an operator credential, a Leap that is the sandbox
on its own port), a person in their own browser context, and the accessibility check.

The person counts their own steps (each click, each field filled, each file chosen), so the
onboarding test can say how many a contractor takes; nothing asserts on that count or on time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page

from api.operator import new_operator_token
from harde.webapp import DIST
from leap_sandbox import create_sandbox_app
from tenants import DEMO_TENANT_ID
from testkit.servers import serve
from tests.browser.conftest import MICROPHONE_JS, Site, needs_chromium_and_widget, running_site

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "web" / "app" / "node_modules" / "axe-core" / "axe.min.js"
SANDBOX_LEAP_KEY = "sandbox_onboarding_test"
PASSWORD = "correct horse battery"


@dataclass
class AppSite:
    """The running app, an operator token for it, and the Leap (a sandbox) its keys are checked with."""

    site: Site
    operator_token: str
    leap: Any  # the sandbox app standing in for Leap (its keys are verified against it)

    @property
    def base(self) -> str:
        return self.site.base

    async def invite(self, **limits: Any) -> dict[str, Any]:
        """A fresh invite, as the operator makes one (its ``url`` is the link to open)."""
        answer = await self.site.http.post("/v1/invites", json=limits, headers=self.operator)
        assert answer.status_code == 201, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def voice_as_the_tests_need(self, company: str) -> None:
        """Give a company made in the test the demo tenant's test voice settings (a fixed pause ends
        a turn, as synthetic speech needs; the fake Claude's model names), as conftest does."""
        tenants = self.site.app.state.services.tenants
        found = next(tenant for tenant in await tenants.list_tenants() if tenant.name == company)
        demo = await tenants.get_tenant(DEMO_TENANT_ID)
        await tenants.update_tenant(found.id, voice=demo.voice, models=demo.models)

    def leap_job_in_stage(self, stage: str) -> Any:
        """A job of the company behind ``SANDBOX_LEAP_KEY`` in the stage called ``stage``."""
        data = self.leap.state.sandbox.dataset(SANDBOX_LEAP_KEY)
        code = next(found.code for found in data.stages if found.name == stage)
        return next(job for job in data.jobs.values() if job.stage_code == code and not job.archived)

    @property
    def operator(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.operator_token}"}


@asynccontextmanager
async def app_site(tmp_path: Path) -> AsyncIterator[AppSite]:
    needs_chromium_and_widget()
    if not (DIST / "index.html").exists():
        pytest.skip("needs the built web app (scripts/setup builds it)")
    if not AXE_JS.exists():
        pytest.skip("needs web/app's node_modules (scripts/setup installs them)")
    token, digest = new_operator_token()
    leap = create_sandbox_app()
    async with (
        serve(leap) as leap_url,
        running_site(tmp_path, operator_token_hash=digest, leap_base_url=f"{leap_url}/api/v3") as site,
    ):
        yield AppSite(site, token, leap)


@dataclass
class Person:
    """Someone using the app in their own browser context (their own cookies), counting steps."""

    page: Page
    context: BrowserContext
    base: str
    steps: int = 0
    foreign: list[str] = field(default_factory=list)

    async def open(self, path: str) -> None:
        """Open an address (a link someone sent, or typed): one step."""
        self.steps += 1
        await self.page.goto(path if path.startswith("http") else f"{self.base}/app{path}")

    async def click(self, target: Locator) -> None:
        self.steps += 1
        await target.click()

    async def fill(self, target: Locator, text: str) -> None:
        self.steps += 1
        await target.fill(text)

    async def choose_files(self, target: Locator, files: list[Path]) -> None:
        self.steps += 1
        await target.set_input_files([str(path) for path in files])

    async def drop_files(self, target: Locator, files: list[Path]) -> None:
        """Drag files from the desktop onto ``target`` (one step): a real drop event in the page."""
        self.steps += 1
        transfer = await self.page.evaluate_handle(
            """(files) => {
                const transfer = new DataTransfer();
                for (const [name, text] of files) transfer.items.add(new File([text], name));
                return transfer;
            }""",
            [[path.name, path.read_text()] for path in files],
        )
        await target.dispatch_event("dragover", {"dataTransfer": transfer})
        await target.dispatch_event("drop", {"dataTransfer": transfer})

    def field(self, label: str) -> Locator:
        return self.page.get_by_label(label, exact=True)

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    async def api(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """A request from the page itself (its cookie, its CSRF token): what the app could send."""
        found: dict[str, Any] = await self.page.evaluate(
            """async ([method, path, body]) => {
                const me = await (await fetch('/v1/auth/me')).json();
                const response = await fetch(path, {
                  method, credentials: 'same-origin',
                  headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token || ''},
                  body: body === null ? undefined : JSON.stringify(body),
                });
                return {status: response.status, body: await response.text()};
            }""",
            [method, path, body],
        )
        return found


@asynccontextmanager
async def person(browser: Browser, base: str) -> AsyncIterator[Person]:
    """A new person: their own browser context, a microphone the test speaks into, and every
    request to another host recorded (there must be none)."""
    context = await browser.new_context(permissions=["microphone"], viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    someone = Person(page, context, base)
    host = httpx.URL(base).host
    page.on("request", lambda r: None if httpx.URL(r.url).host == host else someone.foreign.append(r.url))
    # Shown with a failing test's output: what the page itself complained about.
    page.on("pageerror", lambda error: print(f"page error: {error}"))
    page.on("console", lambda message: print(f"console {message.type}: {message.text} {message.location}"))
    await page.add_init_script(path=str(MICROPHONE_JS))
    try:
        yield someone
    finally:
        await context.close()


async def serious_accessibility_problems(page: Page) -> list[str]:
    """What axe-core (from web/app's node_modules, not a CDN) finds serious or critical on the page."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the driver, so the page's CSP (scripts from this server only) still holds.
        await page.evaluate(AXE_JS.read_text() + "\n;0")
    found: list[str] = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => `${v.impact} ${v.id}: ${v.help} `
                + `(${v.nodes.map(n => n.target.join(' ')).join(', ')})`);
        }"""
    )
    return found


async def assert_accessible(page: Page, where: str) -> None:
    problems = await serious_accessibility_problems(page)
    assert not problems, f"axe on {where}: " + "; ".join(problems)
