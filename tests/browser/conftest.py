"""Hard-E in a real browser: the whole app as ``harde serve`` builds it (embedded Redis, the demo
tenant on the sandbox CRM) with the speech and Claude fakes behind it, and Debian's Chromium,
headless, driven by Playwright. Piper's voice goes into its microphone when the test speaks (after
the greeting, as a person would; ``microphone.js``), and Hard-E's voice is recorded in the page
and transcribed with Whisper.

Skipped (with the reason) when Chromium or the built widget is missing; ``scripts/test`` installs
Chromium and ``scripts/setup`` builds the widget, so in CI they run.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright
from starlette.routing import Mount

from core.settings import Settings
from harde.app import create_app
from harde.widget import BUNDLE
from tenants import DEMO_TENANT_ID, ModelSettings, Role, TurnStrategy, VoiceSettings
from tenants.models import utcnow
from testkit.fakes.anthropic import FakeAnthropic, on, reply, tool_use
from testkit.fakes.anthropic.script import Step
from testkit.fakes.cartesia import FakeCartesia
from testkit.fakes.deepgram import FakeDeepgram, load_whisper, transcribe_pcm16
from testkit.servers import free_port, serve
from testkit.speech import silence_pcm16, speech_pcm16

CHROMIUM = Path("/usr/bin/chromium")
MICROPHONE_JS = Path(__file__).with_name("microphone.js")
MIC_RATE = 16000
QUIET_MS = 1200  # the end of an answer: this much silence after Hard-E spoke
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]

NOTHING_TO_REMEMBER = on(
    lambda request: "long-term memory" in request.system_text,
    reply(tool_use("record_memories", {"memories": []})),
    times=None,
    description="memory extraction after the call",
)


@pytest.fixture(scope="module", autouse=True)
def whisper() -> None:
    load_whisper()


@dataclass
class Site:
    """The running app and what a test needs to reach inside it."""

    base: str
    app: Any
    llm: FakeAnthropic
    http: httpx.AsyncClient

    def script(self, *steps: Step) -> None:
        """Claude's side of the call, and nothing to remember when the call is wrapped up."""
        self.llm.script(*steps, NOTHING_TO_REMEMBER)

    @property
    def sandbox(self) -> Any:
        mount = next(r for r in self.app.routes if isinstance(r, Mount) and r.path == "/sandbox/leap")
        return mount.app.state.sandbox

    async def data(self) -> Any:
        token = await self.app.state.services.tenants.get_leap_token(DEMO_TENANT_ID)
        return self.sandbox.dataset(token)

    async def stage_of(self, job_id: int) -> str:
        data = await self.data()
        code = data.jobs[job_id].stage_code
        return str(next(stage.name for stage in data.stages if stage.code == code))

    async def job_in_stage(self, name: str) -> Any:
        data = await self.data()
        code = next(stage.code for stage in data.stages if stage.name == name)
        return next(job for job in data.jobs.values() if job.stage_code == code and not job.archived)

    async def token(self, *, expired: bool = False) -> str:
        tenants = self.app.state.services.tenants
        owner = next(u for u in await tenants.list_users(DEMO_TENANT_ID) if u.role is Role.OWNER)
        not_after = utcnow() - timedelta(seconds=1) if expired else None
        demo = await tenants.get_tenant(DEMO_TENANT_ID)
        token, _claims = self.app.state.webrtc.widget_tokens.issue(
            demo, role=Role.OWNER, user_id=owner.id, not_after=not_after
        )
        return str(token)

    def widget_url(self, token: str) -> str:
        return f"{self.base}/widget?token={token}"


@asynccontextmanager
async def running_site(tmp_path: Path, **settings: Any) -> AsyncIterator[Site]:
    """The whole app with the speech and Claude fakes behind it; ``settings`` adds to its settings."""
    llm, stt, tts = FakeAnthropic(), FakeDeepgram(), FakeCartesia()
    port = free_port()  # known before the app is built, so the links it makes lead back to it
    async with serve(llm.app) as llm_url, serve(stt.app) as stt_url, serve(tts.app) as tts_url:
        configured = Settings(  # type: ignore[call-arg]
            _env_file=None, var_dir=tmp_path / "var", redis_url=None, public_url=f"http://127.0.0.1:{port}",
            anthropic_api_key="sk-ant-test", anthropic_base_url=llm_url,
            deepgram_api_key="dg-test-key", deepgram_url=stt_url.replace("http://", "ws://"),
            cartesia_api_key="cartesia-test-key",
            cartesia_url=tts_url.replace("http://", "ws://") + "/tts/websocket",
            **settings,
        )  # fmt: skip
        app = create_app(configured)
        async with serve(app, port) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
            await app.state.services.tenants.update_tenant(
                DEMO_TENANT_ID,
                voice=VoiceSettings(turn_strategy=TurnStrategy.SPEECH_TIMEOUT, turn_stop_secs=0.8),
                models=ModelSettings(
                    voice_model="claude-test-primary", fallback_model="claude-test-fallback"
                ),
            )
            yield Site(base, app, llm, http)
    assert not llm.problems, llm.problems


def needs_chromium_and_widget() -> None:
    # Here rather than as a conftest ``pytestmark``, which would not reach the test modules.
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium (scripts/test installs it)")
    if not BUNDLE.exists():
        pytest.skip("needs the built widget (scripts/setup builds it)")


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    needs_chromium_and_widget()
    async with running_site(tmp_path) as running:
        yield running


@asynccontextmanager
async def chromium(*, allow_microphone: bool = True) -> AsyncIterator[Browser]:
    """Headless Debian Chromium with a fake microphone device (its sound is replaced by what the
    test says, ``microphone.js``); ``allow_microphone=False`` blocks it as a person can."""
    flags = [*CHROMIUM_FLAGS, "--use-fake-device-for-media-stream"]
    if allow_microphone:
        flags.append("--use-fake-ui-for-media-stream")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=flags)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def widget_page(browser: Browser, url: str, *, allow_microphone: bool = True) -> AsyncIterator[Page]:
    """The stand-alone widget page; every request it makes outside ``url``'s host is recorded."""
    context = await browser.new_context(permissions=["microphone"] if allow_microphone else [])
    page = await context.new_page()
    foreign: list[str] = []
    host = httpx.URL(url).host
    page.on(
        "request",
        lambda request: None if httpx.URL(request.url).host == host else foreign.append(request.url),
    )
    page.foreign_requests = foreign  # type: ignore[attr-defined]
    await page.add_init_script(path=str(MICROPHONE_JS))
    await page.goto(url)
    try:
        yield page
    finally:
        await context.close()


REMOTE_LEVEL_JS = """async (limitMs) => {
  const audio = document.querySelector('.hde-audio');
  const deadline = Date.now() + limitMs;
  while (!audio.srcObject && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
  if (!audio.srcObject) return 0;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(audio.srcObject).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let loudest = 0;
  while (Date.now() < deadline && loudest < 0.02) {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    loudest = Math.max(loudest, Math.sqrt(sum / samples.length));
    await new Promise(r => setTimeout(r, 50));
  }
  await context.close();
  return loudest;
}"""
"""The loudest RMS of the bot's remote track, measured in the page with WebAudio (stops at 0.02)."""


async def say(page: Page, text: str) -> None:
    """Speak ``text`` (Piper's voice) into the page's microphone; returns once it has been said."""
    pcm = speech_pcm16(text, MIC_RATE) + silence_pcm16(0.5, MIC_RATE)
    await page.evaluate(
        "([pcm, rate]) => window.hardETest.speak(pcm, rate)", [base64.b64encode(pcm).decode(), MIC_RATE]
    )


async def listen(page: Page) -> None:
    """Start recording Hard-E's voice as the page plays it."""
    await page.evaluate("() => window.hardETest.listen()")


async def heard(page: Page, *, limit_secs: float = 45.0) -> str:
    """What Hard-E said since ``listen``, once it has fallen quiet: the recording, transcribed."""
    found = await page.evaluate(
        "([quiet, limit]) => window.hardETest.heard(quiet, limit)", [QUIET_MS, int(limit_secs * 1000)]
    )
    return await asyncio.to_thread(transcribe_pcm16, base64.b64decode(found["pcm"]), int(found["rate"]))
