"""The widget in headless Chromium, talking to Hard-E with Piper's voice in its microphone: what a
person notices (the answer is heard, both sides are written down, a change waits for Confirm, a
typed message is answered in the same call, and plain words when the microphone is blocked or the
link has expired)."""

from __future__ import annotations

from playwright.async_api import Page

from testkit.fakes.anthropic import RecordedRequest, on_tool_result, on_user, reply, tool_use
from tests.brain.conftest import action_ids
from tests.browser.conftest import REMOTE_LEVEL_JS, Site, chromium, heard, listen, say, widget_page
from tests.pipeline.test_call import sounds_like

GREETING = "Hard-E here"


async def call_and_hear_the_greeting(page: Page) -> None:
    """Press the microphone and wait, as a person would, until the greeting has been said."""
    await page.get_by_role("button", name="Start talking to Hard-E").click()
    level = await page.evaluate(REMOTE_LEVEL_JS, 30_000)
    assert level >= 0.02, f"the bot's audio never reached the page (loudest RMS {level:.4f})"
    await page.locator(".hde-transcript .hde-hard-e", has_text=GREETING).wait_for(timeout=30_000)


def first_stage(request: RecordedRequest) -> str:
    return str(request.tool_result("find_jobs").json()["jobs"][0]["stage"])


async def test_talking_to_hard_e_in_chromium_is_heard_and_written_down(site: Site) -> None:
    job = await site.job_in_stage("Proposal Sent")
    last_name = job.name.split(" - ")[0]
    site.script(
        on_user("status", reply(tool_use("find_jobs", {"keyword": last_name}))),
        on_tool_result("find_jobs", lambda r: f"The {last_name} job is at {first_stage(r)}."),
    )
    async with chromium() as browser, widget_page(browser, site.widget_url(await site.token())) as page:
        await call_and_hear_the_greeting(page)
        await listen(page)
        await say(page, f"What is the status of the {last_name} job?")
        answer = await heard(page)
        assert sounds_like(answer, f"The {last_name} job is at Proposal Sent"), answer
        transcript = page.locator(".hde-transcript")
        await transcript.locator(".hde-you", has_text="status").wait_for(timeout=45_000)
        await transcript.locator(".hde-hard-e", has_text="Proposal Sent").wait_for(timeout=45_000)
        await transcript.locator(".hde-tool", has_text="find jobs").wait_for(timeout=5_000)
        assert await transcript.get_attribute("aria-live") == "polite"
        await page.get_by_role("button", name="Hang up").click()
        await page.get_by_role("button", name="Start talking to Hard-E").wait_for(timeout=10_000)
        assert page.foreign_requests == []  # type: ignore[attr-defined]  # nothing from another host


async def test_a_change_waits_for_the_confirm_button(site: Site) -> None:
    job = await site.job_in_stage("Lead")
    last_name = job.name.split(" - ")[0]
    site.script(
        on_user(
            "proposal", reply(tool_use("change_job_stage", {"job_id": job.id, "stage": "proposal sent"}))
        ),
        on_tool_result("change_job_stage", "I'll move it to Proposal Sent. Shall I?"),
        on_user("yes", lambda r: reply(tool_use("confirm_action", {"action_id": action_ids(r)[-1]}))),
        on_tool_result("confirm_action", "Done, it's moved."),
    )
    async with chromium() as browser, widget_page(browser, site.widget_url(await site.token())) as page:
        await call_and_hear_the_greeting(page)
        await say(page, f"Move the {last_name} job to proposal sent.")
        card = page.get_by_role("group", name="Change waiting for your confirmation")
        await card.wait_for(timeout=60_000)
        assert await site.stage_of(job.id) == "Lead"  # nothing changes before Confirm
        await card.get_by_role("button", name="Confirm").click()
        await page.locator(".hde-hard-e", has_text="moved").wait_for(timeout=45_000)
        assert await site.stage_of(job.id) == "Proposal Sent"
        assert await card.is_hidden()


async def test_a_typed_message_is_answered_in_the_same_call(site: Site) -> None:
    site.script(on_user("warranty", reply("Fifty years on the shingles.")))
    async with chromium() as browser, widget_page(browser, site.widget_url(await site.token())) as page:
        await call_and_hear_the_greeting(page)
        calls_before = len(site.app.state.webrtc.calls)
        await listen(page)
        await page.get_by_label("Type a message").fill("How long is the warranty?")
        await page.get_by_role("button", name="Send").click()
        await page.locator(".hde-hard-e", has_text="Fifty years").wait_for(timeout=45_000)
        assert sounds_like(await heard(page), "Fifty years on the shingles"), "the answer was not spoken"
        assert len(site.app.state.webrtc.calls) == calls_before == 1  # the same call, not a new one


async def test_a_blocked_microphone_says_how_to_allow_it(site: Site) -> None:
    async with (
        chromium(allow_microphone=False) as browser,
        widget_page(browser, site.widget_url(await site.token()), allow_microphone=False) as page,
    ):
        await page.get_by_role("button", name="Start talking to Hard-E").click()
        await page.get_by_role("alert").filter(has_text="blocking the microphone").wait_for(timeout=15_000)
        assert len(site.app.state.webrtc.calls) == 0


async def test_an_expired_link_says_so(site: Site) -> None:
    async with (
        chromium() as browser,
        widget_page(browser, site.widget_url(await site.token(expired=True))) as page,
    ):
        await page.get_by_role("button", name="Start talking to Hard-E").click()
        await page.get_by_role("alert").filter(has_text="expired").wait_for(timeout=15_000)
        assert len(site.app.state.webrtc.calls) == 0
