"""What goes wrong, as a person meets it in the app: an invite that expired, was used or was
revoked; a session that ends while a form is open (the form is kept and sent after signing in
again); a second tab that signs out; a lost network. Each says what happened and what to do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tenants.models import utcnow
from tests.browser.app_pages import PASSWORD, AppSite, Person, app_site, assert_accessible, person
from tests.browser.conftest import chromium


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppSite]:
    async with app_site(tmp_path) as running:
        yield running


async def signed_up(someone: Person, app: AppSite) -> None:
    """Redeem a fresh invite in the page, ending on the first set-up step."""
    invite = await app.invite()
    await someone.open(invite["url"])
    await someone.fill(someone.field("Company name"), "Peak Roofing")
    await someone.fill(someone.field("Your name"), "Sam Ortiz")
    await someone.fill(someone.field("Email"), "sam@peak.example")
    await someone.fill(someone.field("Password"), PASSWORD)
    await someone.fill(someone.field("Password again"), PASSWORD)
    await someone.click(someone.button("Start my trial"))
    await someone.page.get_by_role("heading", name="Your company").wait_for()


async def test_an_invite_that_cannot_be_used_says_why_and_what_to_do(app: AppSite) -> None:
    http = app.site.http
    used = await app.invite()
    redeemed = await http.post(
        "/v1/invites/redeem", json={"code": used["code"], "company_name": "First", "your_name": "Ann"}
    )
    assert redeemed.status_code == 201, redeemed.text
    revoked = await app.invite()
    assert (await http.delete(f"/v1/invites/{revoked['id']}", headers=app.operator)).status_code == 200
    expiring = await app.invite(expires_at=(utcnow() + timedelta(seconds=2)).isoformat())
    # The expiry is the server's own clock: wait for it to pass rather than a fixed sleep.
    while (await http.get("/v1/invites/lookup", params={"code": expiring["code"]})).status_code == 200:
        await app.site.app.state.services.redis.ping()

    async with chromium() as browser, person(browser, app.base) as someone:
        for invite, words in [
            (used, "used already"),
            (revoked, "withdrawn"),
            (expiring, "expired"),
        ]:
            await someone.open(invite["url"])
            alert = someone.page.get_by_role("alert").filter(has_text=words)
            await alert.wait_for()
            assert "link" in await alert.inner_text()
            assert await someone.page.get_by_label("Company name").count() == 0
        await assert_accessible(someone.page, "welcome, an expired invite")
        await someone.open("/welcome?invite=hdi_thisisnotarealcode")
        await someone.page.get_by_role("alert").filter(has_text="not one we know").wait_for()


async def test_a_session_ending_mid_form_keeps_the_form_and_sends_it_after_signing_in(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as sam:
        await signed_up(sam, app)
        page = sam.page
        await sam.open("/settings")
        await sam.fill(sam.field("Longest call (minutes)"), "45")
        # The session ends elsewhere: another tab of the same person signs out everywhere.
        other = await sam.context.new_page()
        await other.goto(f"{app.base}/app/")
        assert (await Person(other, sam.context, app.base).api("POST", "/v1/auth/sign-out-everywhere"))[
            "status"
        ] == 204
        await other.close()

        await sam.click(sam.button("Save settings"))
        dialog = page.get_by_role("dialog", name="Please sign in again")
        await dialog.wait_for()
        await assert_accessible(page, "the re-sign-in dialog")
        await sam.fill(dialog.get_by_label("Password"), PASSWORD)
        await sam.click(dialog.get_by_role("button", name="Sign in and continue"))
        await page.get_by_role("status").filter(has_text="Saved").wait_for()
        assert await sam.field("Longest call (minutes)").input_value() == "45"
        tenant = (await app.site.http.get("/v1/tenants", headers=app.operator)).json()
        trial_id = next(found["id"] for found in tenant if found["name"] == "Peak Roofing")
        settings = await app.site.app.state.services.tenants.get_tenant(trial_id)
        assert settings.voice.max_call_minutes == 45


async def test_a_second_tab_that_signs_out_is_noticed(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as sam:
        await signed_up(sam, app)
        second = await sam.context.new_page()
        await second.goto(f"{app.base}/app/")
        await second.get_by_role("heading", name="Conversations").wait_for()
        await second.get_by_role("button", name="Sign out", exact=True).click()
        await second.get_by_role("heading", name="Sign in to Hard-E").wait_for()
        # The first tab hears of it and asks who is there, rather than acting as someone who left.
        await sam.page.get_by_role("heading", name="Sign in to Hard-E").wait_for()


async def test_a_lost_network_says_so_and_the_form_waits(app: AppSite) -> None:
    async with chromium() as browser, person(browser, app.base) as sam:
        await signed_up(sam, app)
        page = sam.page
        await sam.fill(sam.field("Company name"), "Peak Roofing & Siding")
        await sam.context.set_offline(True)
        await page.get_by_role("alert").filter(has_text="You are offline").wait_for()
        await sam.click(sam.button("Save and continue"))
        await page.get_by_role("alert").filter(has_text="can't be reached").wait_for()
        assert await sam.field("Company name").input_value() == "Peak Roofing & Siding"
        await sam.context.set_offline(False)
        await sam.click(sam.button("Save and continue"))
        await page.get_by_role("heading", name="Connect your Leap CRM").wait_for()


async def test_an_unreadable_upload_says_why_and_leaves_nothing_behind(app: AppSite, tmp_path: Path) -> None:
    broken = tmp_path / "price-sheet.pdf"
    broken.write_text("this is not a PDF at all")
    good = tmp_path / "notes.md"
    good.write_text("# Notes\n\nGutters are cleaned every spring.\n")
    async with chromium() as browser, person(browser, app.base) as sam:
        await signed_up(sam, app)
        page = sam.page
        await sam.open("/knowledge")
        await sam.choose_files(page.get_by_label("Choose files"), [broken, good])
        uploads = page.get_by_role("list", name="Uploads")
        refused = uploads.get_by_role("alert")
        await refused.wait_for(timeout=60_000)
        assert "price-sheet.pdf" in await refused.locator("xpath=..").inner_text()
        await uploads.get_by_text("Added").wait_for(timeout=60_000)
        documents = page.get_by_role("table", name="Your documents")
        await documents.get_by_role("cell", name="notes.md", exact=True).wait_for()
        assert await documents.get_by_role("cell", name="price-sheet.pdf", exact=True).count() == 0
        await assert_accessible(page, "console: knowledge, a refused upload")
