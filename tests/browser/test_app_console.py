"""Every page of the console as the demo company's owner sees it, in Chromium: each renders and
passes axe-core; an API key's secret is shown once and the key can be revoked; the audit log's
CSV export is the filtered entries; a memory can be corrected; a team member can be edited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from memory import MemoryTier
from tenants import DEMO_TENANT_ID
from tests.browser.app_pages import PASSWORD, AppSite, Person, app_site, assert_accessible, person
from tests.browser.conftest import chromium

PAGES = [
    ("Conversations", "Conversations"),
    ("Talk to Hard-E", "Talk to Hard-E"),
    ("Memories", "Memories"),
    ("Knowledge", "Knowledge"),
    ("Team", "Team"),
    ("API keys", "API keys"),
    ("Usage", "Usage and limits"),
    ("Audit log", "Audit log"),
    ("Settings", "Settings"),
    ("Set-up guide", "Set up Hard-E for Demo Roofing"),
]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppSite]:
    async with app_site(tmp_path) as running:
        yield running


async def demo_owner(someone: Person, app: AppSite) -> None:
    """Sign in as the demo owner through the one-time link `harde serve` prints."""
    from harde.webapp import demo_app_link

    services = app.site.app.state
    link = await demo_app_link(app.base, services.services.tenants, services.admin.password_links)
    assert link is not None
    await someone.open(link.split(" ")[0])
    await someone.fill(someone.field("New password"), PASSWORD)
    await someone.fill(someone.field("New password again"), PASSWORD)
    await someone.click(someone.button("Save and sign in"))
    await someone.page.get_by_role("heading", name="Conversations").wait_for()


async def test_every_console_page_is_accessible(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as dana:
        await demo_owner(dana, app)
        menu = dana.page.get_by_role("navigation", name="Pages")
        for link, heading in PAGES:
            await dana.click(menu.get_by_role("link", name=link, exact=True))
            await dana.page.get_by_role("heading", name=heading, exact=True).wait_for()
            await assert_accessible(dana.page, f"console: {link}")
        assert dana.foreign == []


async def test_an_api_key_is_shown_once_and_revoked(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as dana:
        await demo_owner(dana, app)
        page = dana.page
        await dana.open("/keys")
        await dana.fill(dana.field("Name"), "Zapier")
        await dana.click(dana.button("Create key"))
        secret = page.get_by_role("status").filter(has_text="will not be shown again")
        key = await secret.locator("code").inner_text()
        assert key.startswith("hde_")
        used = await app.site.http.get("/v1/tools", headers={"Authorization": f"Bearer {key}"})
        assert used.status_code == 200, used.text
        await dana.click(dana.button("I have saved it"))
        assert await page.get_by_text(key).count() == 0
        row = page.get_by_role("row").filter(has_text="Zapier")
        page.once("dialog", lambda dialog: dialog.accept())
        await dana.click(row.get_by_role("button", name="Revoke", exact=False))
        await row.get_by_text("Revoked").wait_for()
        refused = await app.site.http.get("/v1/tools", headers={"Authorization": f"Bearer {key}"})
        assert refused.status_code == 401


async def test_the_audit_log_filters_and_exports_what_it_shows(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as dana:
        await demo_owner(dana, app)
        page = dana.page
        await dana.open("/settings")
        await dana.fill(dana.field("Longest call (minutes)"), "40")
        await dana.click(dana.button("Save settings"))
        await page.get_by_role("status").filter(has_text="Saved").wait_for()
        await dana.open("/audit")
        await dana.fill(dana.field("What"), "settings.updated")
        await dana.click(dana.button("Filter"))
        rows = page.get_by_role("row").filter(has_text="settings.updated")
        await rows.first.wait_for()
        assert await page.get_by_role("row").filter(has_text="login.").count() == 0
        export = page.get_by_role("button", name="Export CSV")
        href = await export.get_attribute("href")
        csv = await dana.page.evaluate("(href) => fetch(href).then(r => r.text())", href)
        lines = csv.strip().splitlines()
        assert lines[0].startswith("id,at,") and len(lines) == 1 + await rows.count()
        assert all("settings.updated" in line for line in lines[1:])


async def test_a_memory_is_corrected(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as dana:
        await demo_owner(dana, app)
        page = dana.page
        await app.site.app.state.admin.memory.remember(
            DEMO_TENANT_ID, tier=MemoryTier.COMPANY, subject="company",
            text="Shingle deliveries come on Tuesdays.", source_session=None,
        )  # fmt: skip
        await dana.open("/memories")
        item = page.get_by_role("listitem").filter(has_text="Tuesdays")
        await dana.click(item.get_by_role("button", name="Correct", exact=False))
        await dana.fill(item.get_by_label("Memory"), "Shingle deliveries come on Wednesdays.")
        await dana.click(item.get_by_role("button", name="Save"))
        await page.get_by_role("listitem").filter(has_text="Wednesdays").wait_for()
        await assert_accessible(page, "console: memories")


async def test_a_team_member_is_edited(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as dana:
        await demo_owner(dana, app)
        page = dana.page
        await dana.open("/team")
        row = page.get_by_role("row").nth(1)
        await dana.click(row.get_by_role("button", name="Edit", exact=False))
        form = page.get_by_role("form").filter(has_text="Edit ")
        await dana.fill(form.get_by_label("Phone numbers"), "+1 512 555 0177")
        await assert_accessible(page, "console: team, editing a member")
        await dana.click(form.get_by_role("button", name="Save"))
        await page.get_by_role("cell", name="+15125550177").wait_for()
        assert await page.get_by_role("form").filter(has_text="Edit ").count() == 0
