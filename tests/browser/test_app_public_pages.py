"""The app's pages anyone can open, in Chromium: they render, pass axe-core, load nothing from
another host, and a page that needs a session sends the person to sign in (and back afterwards)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.browser.app_pages import AppSite, app_site, assert_accessible, person
from tests.browser.conftest import chromium


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppSite]:
    async with app_site(tmp_path) as running:
        yield running


async def test_public_pages_are_accessible_and_self_contained(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as someone:
        page = someone.page
        for path, heading in [
            ("/sign-in", "Sign in to Hard-E"),
            ("/welcome", "Welcome to Hard-E"),
            ("/set-password", "Choose your password"),
            ("/no/such/page", "Page not found"),
        ]:
            await someone.open(path)
            await page.get_by_role("heading", name=heading).wait_for()
            await assert_accessible(page, path)
        await page.goto(app.base + "/")
        await page.get_by_role("heading", name="Sign in to Hard-E").wait_for()
        assert page.url == f"{app.base}/app/sign-in?next=%2F"
        assert someone.foreign == []
