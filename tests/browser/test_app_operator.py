"""The operator's side of the app: sign in with the operator token, make an invite with limits
and copy its link, revoke one, and see the tenants and their usage."""

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


async def test_the_operator_makes_and_revokes_invites_and_sees_every_tenant(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as operator:
        page = operator.page
        await operator.open("/sign-in")
        await assert_accessible(page, "sign in")
        await operator.click(page.get_by_role("button", name="Sign in as the operator"))
        await operator.fill(operator.field("Operator token"), app.operator_token)
        await operator.click(operator.button("Sign in"))
        await page.get_by_role("heading", name="Tenants").wait_for()
        await page.get_by_role("cell", name="Demo Roofing", exact=True).wait_for()
        await assert_accessible(page, "operator: tenants")

        await operator.click(page.get_by_role("link", name="Invites"))
        await operator.fill(operator.field("Trial days"), "30")
        await operator.fill(operator.field("Voice minutes"), "")
        await operator.fill(operator.field("Note (who it is for)"), "Roofing expo")
        await operator.click(operator.button("Create invite link"))
        link = await page.get_by_test_id("invite-link").inner_text()
        assert link.startswith(f"{app.base}/app/welcome?invite=hdi_")
        row = page.get_by_role("row").filter(has_text="Roofing expo")
        assert "30 days, 200 messages, unlimited minutes" in await row.inner_text()
        await assert_accessible(page, "operator: invites")
        await operator.click(row.get_by_role("button", name="Revoke", exact=False))
        await row.get_by_text("Revoked").wait_for()
        code = link.split("invite=")[1]
        looked_up = await app.site.http.get("/v1/invites/lookup", params={"code": code})
        assert looked_up.status_code == 410, looked_up.text

        await operator.click(page.get_by_role("link", name="Usage"))
        await page.get_by_role("cell").filter(has_text="demo-roofing").first.wait_for()
        await assert_accessible(page, "operator: usage")
