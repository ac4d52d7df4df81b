"""Roles in the app: a crew member, signed in through the one-time link the owner made for them,
sees only what their role allows, is told so on an admin page's address, and the API itself
refuses those pages' calls from their browser (403), whatever the app shows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.browser.app_pages import PASSWORD, AppSite, app_site, assert_accessible, person
from tests.browser.conftest import chromium

ADMIN_PAGES = ["/team", "/keys", "/usage", "/audit", "/settings", "/memories", "/talk", "/onboarding/company"]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppSite]:
    async with app_site(tmp_path) as running:
        yield running


async def owner_with_a_crew_member(app: AppSite) -> tuple[str, str]:
    """A trial company with an owner (signed up with a password) and a crew member; the crew
    member's one-time sign-in link and the tenant id."""
    invite = await app.invite()
    http = app.site.http
    redeemed = await http.post(
        "/v1/invites/redeem",
        json={"code": invite["code"], "company_name": "Peak Roofing", "your_name": "Sam Ortiz",
              "email": "sam@peak.example", "password": PASSWORD},
    )  # fmt: skip
    assert redeemed.status_code == 201, redeemed.text
    tenant_id = redeemed.json()["tenant"]["id"]
    csrf = {"X-CSRF-Token": redeemed.json()["me"]["csrf_token"]}
    crew = await http.post(
        f"/v1/tenants/{tenant_id}/users",
        json={
            "name": "Chris Crew",
            "role": "crew",
            "email": "chris@peak.example",
            "phones": ["+15125550199"],
        },
        headers=csrf,
    )
    assert crew.status_code == 201, crew.text
    link = await http.post(f"/v1/tenants/{tenant_id}/users/{crew.json()['id']}/sign-in-link", headers=csrf)
    assert link.status_code in (200, 201), link.text
    http.cookies.clear()
    return str(link.json()["url"]), tenant_id


async def test_a_crew_member_cannot_reach_admin_pages_nor_their_api(app: AppSite) -> None:
    link, tenant_id = await owner_with_a_crew_member(app)
    async with chromium() as browser, person(browser, app.base) as chris:
        page = chris.page
        await chris.open(link)
        await page.get_by_text("Chris Crew").wait_for()
        await assert_accessible(page, "set password")
        await chris.fill(chris.field("New password"), PASSWORD)
        await chris.fill(chris.field("New password again"), PASSWORD)
        await chris.click(chris.button("Save and sign in"))
        await page.get_by_role("heading", name="Conversations").wait_for()
        await assert_accessible(page, "console as crew")

        menu = page.get_by_role("navigation", name="Pages")
        offered = [name.strip() for name in await menu.get_by_role("link").all_inner_texts()]
        assert offered == ["Conversations"]
        for path in ADMIN_PAGES:
            await chris.open(path)
            await page.get_by_role("heading", name="Not available to you").wait_for()
        await assert_accessible(page, "an admin page, as crew")

        refused = {
            "users": await chris.api("GET", f"/v1/tenants/{tenant_id}/users"),
            "settings": await chris.api("PATCH", f"/v1/tenants/{tenant_id}/settings", {"timezone": "UTC"}),
            "api key": await chris.api(
                "POST", f"/v1/tenants/{tenant_id}/api-keys", {"name": "mine", "scopes": ["admin"]}
            ),
            "audit": await chris.api("GET", f"/v1/tenants/{tenant_id}/audit"),
            "onboarding": await chris.api(
                "PUT", f"/v1/tenants/{tenant_id}/onboarding/leap", {"status": "done"}
            ),
        }
        assert {name: answer["status"] for name, answer in refused.items()} == dict.fromkeys(refused, 403)
        assert (await chris.api("GET", f"/v1/tenants/{tenant_id}/history"))["status"] == 200
