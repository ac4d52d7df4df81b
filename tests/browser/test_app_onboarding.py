"""The whole path a contractor takes, in headless Chromium against the real app: open an invite
link, create the account, finish the guided set-up (a wrong Leap key is explained, the sandbox's
key verifies with its counts), upload a document and find it with the search box, talk to Hard-E
through the embedded widget (Piper's voice in the microphone, the fakes behind), then find that
conversation in the console with its transcript, tool calls and latency chart. Every page passes
axe-core; the console's screenshot goes to docs/console.png for the README.

The number of the person's own steps and the set-up's duration are printed, not asserted.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from testkit.fakes.anthropic import on_tool_result, on_user, reply, tool_use
from tests.browser.app_pages import (
    PASSWORD,
    REPO,
    SANDBOX_LEAP_KEY,
    AppSite,
    Person,
    app_site,
    assert_accessible,
    person,
)
from tests.browser.conftest import REMOTE_LEVEL_JS, chromium, heard, listen, say
from tests.pipeline.test_call import sounds_like

SCREENSHOT = REPO / "docs" / "console.png"
WARRANTY = """# Peak Roofing warranty

## Shingles

Every Peak Roofing shingle roof carries a 50-year non-prorated manufacturer warranty,
registered by us within 30 days of the install.

## Workmanship

Our crews' workmanship is covered for 10 years.
"""


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppSite]:
    async with app_site(tmp_path) as running:
        yield running


async def redeem(someone: Person, link: str) -> None:
    await someone.open(link)
    await someone.fill(someone.field("Company name"), "Peak Roofing")
    await someone.fill(someone.field("Your name"), "Sam Ortiz")
    await someone.fill(someone.field("Email"), "sam@peak.example")
    await someone.fill(someone.field("Password"), PASSWORD)
    await someone.fill(someone.field("Password again"), PASSWORD)
    await someone.click(someone.button("Start my trial"))
    await someone.page.get_by_role("heading", name="Your company").wait_for()


async def company_step(someone: Person) -> None:
    await assert_accessible(someone.page, "onboarding: company")
    await someone.page.get_by_text("0 of 6 steps finished").wait_for()
    await someone.click(someone.page.get_by_label("Roofing"))
    await someone.click(someone.page.get_by_label("Siding"))
    await someone.click(someone.button("Save and continue"))
    await someone.page.get_by_role("heading", name="Connect your Leap CRM").wait_for()


async def leap_step(someone: Person) -> None:
    page = someone.page
    await someone.fill(someone.field("Leap API key"), "not-a-leap-key-12345")
    await someone.click(someone.button("Check and connect"))
    refused = page.get_by_role("alert")
    await refused.wait_for()
    assert "Leap" in await refused.inner_text()
    await assert_accessible(page, "onboarding: Leap, a refused key")
    await someone.fill(someone.field("Leap API key"), SANDBOX_LEAP_KEY)
    await someone.click(someone.button("Check and connect"))
    connected = page.get_by_role("status").filter(has_text="Connected")
    await connected.wait_for()
    words = await connected.inner_text()
    assert "customers" in words and "jobs" in words and "workflow stages" in words, words
    await someone.click(someone.button("Continue"))
    await page.get_by_role("heading", name="Hard-E's personality").wait_for()


async def personality_step(someone: Person) -> None:
    page = someone.page
    await assert_accessible(page, "onboarding: personality")
    soul = page.get_by_label("Soul document")
    assert (await soul.input_value()).strip()
    await someone.click(someone.button("Preview the greeting"))
    await page.get_by_role("status", name="Greeting preview").wait_for()
    await someone.click(someone.button("Save and continue"))
    await page.get_by_role("heading", name="Your documents").wait_for()


async def knowledge_step(someone: Person, document: Path) -> None:
    page = someone.page
    await someone.drop_files(page.get_by_test_id("dropzone"), [document])
    await page.get_by_role("list", name="Uploads").get_by_text("Added").wait_for(timeout=60_000)
    await page.get_by_role("cell", name=document.name, exact=True).wait_for()
    await assert_accessible(page, "onboarding: knowledge")
    await someone.click(someone.button("Continue"))
    await page.get_by_role("heading", name="Your team").wait_for()


async def team_step(someone: Person) -> None:
    page = someone.page
    await assert_accessible(page, "onboarding: team")
    await someone.fill(someone.field("Name"), "Chris Crew")
    await someone.fill(someone.field("Phone numbers"), "+15125550123")
    await someone.fill(someone.field("Email"), "chris@peak.example")
    await page.get_by_label("Role").select_option("crew")
    someone.steps += 1
    await someone.click(someone.button("Add"))
    await page.get_by_role("cell", name="Chris Crew", exact=True).wait_for()
    await someone.click(someone.button("Continue"))
    await page.get_by_role("heading", name="Talk to Hard-E now").wait_for()


async def talk(someone: Person, app: AppSite) -> str:
    """Talk to Hard-E in the embedded widget; returns the last name asked about."""
    page = someone.page
    await app.voice_as_the_tests_need(
        await page.get_by_role("navigation", name="Account").locator("li").nth(1).inner_text()
    )
    job = app.leap_job_in_stage("Proposal Sent")
    last_name = job.name.split(" - ")[0]
    app.site.script(
        on_user("status", reply(tool_use("find_jobs", {"keyword": last_name}))),
        on_tool_result("find_jobs", f"The {last_name} job is at Proposal Sent."),
    )
    await someone.click(page.get_by_role("button", name="Start talking to Hard-E"))
    level = await page.evaluate(REMOTE_LEVEL_JS, 30_000)
    assert level >= 0.02, f"the bot's audio never reached the page (loudest RMS {level:.4f})"
    await page.locator(".hde-transcript .hde-hard-e", has_text="Hard-E here").wait_for(timeout=30_000)
    await listen(page)
    await say(page, f"What is the status of the {last_name} job?")
    assert sounds_like(await heard(page), f"The {last_name} job is at Proposal Sent")
    await page.locator(".hde-transcript .hde-tool", has_text="find jobs").wait_for(timeout=30_000)
    await someone.click(page.get_by_role("button", name="Hang up"))
    await page.get_by_role("button", name="Start talking to Hard-E").wait_for(timeout=15_000)
    await assert_accessible(page, "onboarding: talk (the widget in the page, after a call)")
    return last_name


async def test_from_an_invite_link_to_a_reviewed_conversation(app: AppSite, tmp_path: Path) -> None:
    invite = await app.invite(trial_days=14, max_messages=200, max_voice_minutes=60)
    document = tmp_path / "peak-warranty.md"
    document.write_text(WARRANTY)
    async with chromium() as browser, person(browser, app.base) as sam:
        started = time.monotonic()
        await redeem(sam, invite["url"])
        await set_up_talk_and_review(sam, app, document, started)
        trial = await sam.page.get_by_label("Trial remaining").inner_text()
        assert "days" in trial and "messages" in trial and "voice minutes" in trial, trial


async def set_up_talk_and_review(sam: Person, app: AppSite, document: Path, started: float) -> None:
    """From the first set-up step to the conversation reviewed in the console."""
    page = sam.page
    await company_step(sam)
    await leap_step(sam)
    await personality_step(sam)
    await knowledge_step(sam, document)
    await team_step(sam)
    set_up_secs = time.monotonic() - started
    set_up_steps = sam.steps

    last_name = await talk(sam, app)
    await sam.click(sam.button("Finish set-up and open the console"))
    await page.get_by_role("heading", name="Conversations").wait_for()
    print(
        f"\nonboarding: {set_up_steps} steps of the person's own from the invite link to the talk page, "
        f"{set_up_secs:.1f} s (test time, machine shared); {sam.steps} steps including the call"
    )

    # The document is found with the search box, the passage cited by file and heading.
    await sam.click(page.get_by_role("link", name="Knowledge"))
    await sam.fill(page.get_by_label("Search your documents"), "shingle warranty")
    await sam.click(sam.button("Search"))
    passage = page.get_by_role("list", name="Passages found").locator("li").first
    await passage.wait_for()
    assert "50-year" in await passage.inner_text()
    assert document.name in await passage.locator("cite").inner_text()
    await assert_accessible(page, "console: knowledge")

    # The call is in the console: transcript, the tool, the latency chart.
    await sam.click(page.get_by_role("link", name="Conversations"))
    row = page.get_by_role("row").filter(has_text="Browser").first
    await row.wait_for(timeout=60_000)
    await assert_accessible(page, "console: conversations")
    await sam.click(row.get_by_role("link"))
    transcript = page.get_by_role("list", name="Transcript")
    await transcript.get_by_text(last_name, exact=False).first.wait_for(timeout=60_000)
    assert "Proposal Sent" in await transcript.inner_text()
    assert "find jobs" in await page.get_by_role("list", name="Tool calls").inner_text()
    chart = page.get_by_role("img", name="Latency per turn", exact=False)
    await chart.wait_for()
    assert await chart.locator(".recharts-bar-rectangle").count() > 0
    await assert_accessible(page, "console: a conversation")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert sam.foreign == []  # nothing was loaded from another host
