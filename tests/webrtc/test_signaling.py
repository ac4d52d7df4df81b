"""What the signaling door refuses, and that every refusal says why (problem+json) and frees what
it held; and that a browser that goes away is hung up and wrapped up once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiortc import RTCPeerConnection

from tenants import Role, TrialLimits
from tenants.models import utcnow
from testkit.fakes.anthropic import always, reply
from testkit.webrtc_caller import SignalingRefused, bearer, browser_call, offer, start
from tests.webrtc.conftest import PER_TENANT, PER_USER, Door

PROBLEMS = "https://hard-e.dev/problems/"


async def refused(door: Door, token: str | None, status: int, slug: str) -> dict[str, object]:
    headers = bearer(token) if token is not None else {}
    response = await door.http.post(f"{door.base}/start", headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, object] = response.json()
    assert problem["type"] == PROBLEMS + slug and problem["detail"], problem
    return problem


async def real_offer(*, audio: bool = True) -> tuple[RTCPeerConnection, str]:
    """An offer as a browser makes it (audio and a data channel), from a peer that then goes quiet."""
    pc = RTCPeerConnection()
    if audio:
        pc.addTransceiver("audio", direction="sendrecv")
    pc.createDataChannel("chat")
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


async def test_start_needs_a_valid_current_widget_token(door: Door) -> None:
    await refused(door, None, 401, "missing-credential")
    await refused(door, "hde_not_a_widget_token", 401, "invalid-credential")
    await refused(door, "hdw_forged", 401, "invalid-credential")
    problem = await refused(door, door.expired_token(), 401, "expired-credential")
    assert "expired" in str(problem["detail"])
    token = door.token()
    await door.world.brain.tenants.erase_tenant("acme")
    problem = await refused(door, token, 401, "invalid-credential")
    assert "no longer exists" in str(problem["detail"])


async def test_start_answers_a_session_and_the_ice_servers(door: Door) -> None:
    started = await start(door.http, door.base, door.token())
    assert started["sessionId"].startswith("wb_")
    assert started["iceConfig"] == {"iceServers": []}  # none configured: loopback and LANs need none
    assert await door.deps.slots.held("acme") == 1


async def test_an_ended_trial_cannot_start_a_call(door: Door) -> None:
    await door.world.brain.tenants.update_tenant(
        "acme", trial=TrialLimits(expires_at=utcnow() + timedelta(days=1), max_voice_minutes=0)
    )
    problem = await refused(door, door.token(), 402, "trial-limit-reached")
    assert "voice minutes" in str(problem["detail"])


async def test_concurrent_calls_are_limited_per_user_and_per_tenant(door: Door) -> None:
    owner = door.token(Role.OWNER)
    for _ in range(PER_USER):
        await start(door.http, door.base, owner)
    problem = await refused(door, owner, 429, "too-many-calls")
    assert "hang one up" in str(problem["detail"])
    for _ in range(PER_TENANT - PER_USER):
        await start(door.http, door.base, door.token(Role.SALES_REP))
    problem = await refused(door, door.token(Role.MANAGER), 429, "too-many-calls")
    assert "company" in str(problem["detail"])
    assert await door.deps.slots.held("acme") == PER_TENANT


async def test_many_starts_at_once_never_exceed_the_limit(door: Door) -> None:
    token = door.token(Role.OWNER)
    results = await asyncio.gather(
        *(start(door.http, door.base, token) for _ in range(8)), return_exceptions=True
    )
    assert sum(not isinstance(result, BaseException) for result in results) == PER_USER
    assert all(isinstance(r, SignalingRefused) for r in results if isinstance(r, BaseException))


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"sdp": "v=0\r\nm=audio nonsense\r\n", "type": "offer"}, 400, "sdp-invalid"),
        ({"sdp": "v=0\r\n", "type": "answer"}, 400, "sdp-invalid"),
        ({"sdp": "v=0\r\n" + "a=x\r\n" * 20_000, "type": "offer"}, 413, "request-too-large"),
    ],
)
async def test_a_bad_offer_is_refused_and_frees_its_slot(
    door: Door, body: dict[str, str], status: int, slug: str
) -> None:
    token = door.token()
    session_id = (await start(door.http, door.base, token))["sessionId"]
    response = await offer(door.http, door.base, token, session_id, body)
    assert response.status_code == status, response.text
    assert response.json()["type"] == PROBLEMS + slug
    if status == 400 and body["type"] == "offer":  # it reached the peer connection, and was undone
        assert (await door.session(token, session_id))["state"] == "failed"
        assert await door.deps.slots.held("acme") == 0
    assert len(door.deps.calls) == 0


async def test_an_offer_without_audio_asks_for_the_microphone(door: Door) -> None:
    token = door.token()
    session_id = (await start(door.http, door.base, token))["sessionId"]
    pc, sdp = await real_offer(audio=False)
    response = await offer(door.http, door.base, token, session_id, {"sdp": sdp, "type": "offer"})
    await pc.close()
    assert response.status_code == 422
    assert response.json()["type"] == PROBLEMS + "offer-without-audio"
    assert "microphone" in response.json()["detail"]


async def test_a_session_is_only_for_its_own_token_and_takes_one_offer(door: Door) -> None:
    token = door.token()
    session_id = (await start(door.http, door.base, token))["sessionId"]
    pc, sdp = await real_offer()
    try:
        other = await offer(
            door.http, door.base, door.token(Role.SALES_REP), session_id, {"sdp": sdp, "type": "offer"}
        )
        assert other.status_code == 404 and other.json()["type"] == PROBLEMS + "session-not-found"
        first = await offer(door.http, door.base, token, session_id, {"sdp": sdp, "type": "offer"})
        assert first.status_code == 200 and first.json()["type"] == "answer"
        replay = await offer(door.http, door.base, token, session_id, {"sdp": sdp, "type": "offer"})
        assert replay.status_code == 409 and replay.json()["type"] == PROBLEMS + "session-used"
    finally:
        await pc.close()


async def test_ice_that_never_connects_fails_the_session_says_why_and_frees_it(door: Door) -> None:
    """The browser's offer is answered, but the browser never takes part in ICE (a firewall)."""
    token = door.token()
    session_id = (await start(door.http, door.base, token))["sessionId"]
    pc, sdp = await real_offer()
    try:
        answered = await offer(door.http, door.base, token, session_id, {"sdp": sdp, "type": "offer"})
        assert answered.status_code == 200
        state = await door.wait_for_state(token, session_id, "failed")
    finally:
        await pc.close()
    assert "TURN" in state["reason"]
    patch = await door.http.patch(
        f"{door.base}/sessions/{session_id}/api/offer",
        headers=bearer(token),
        json={"pc_id": answered.json()["pc_id"], "candidates": []},
    )
    assert patch.status_code == 410 and "TURN" in patch.json()["detail"]
    assert await door.deps.slots.held("acme") == 0
    assert len(door.deps.calls) == 0
    assert door.phone.memory_calls == []  # no call happened, so nothing is wrapped up or billed


async def test_a_browser_that_vanishes_is_hung_up_and_wrapped_up_once(door: Door) -> None:
    door.world.fake.script(always(reply("Sure.")))
    token = door.token()
    async with browser_call(door.http, door.base, token) as browser:
        await browser.reply(after=0.0)  # the greeting
        browser.vanish()
        state = await door.wait_for_state(token, browser.session_id, "ended")
    assert state["reason"] == "caller_hung_up"
    assert len(door.phone.memory_calls) == 1
    assert await door.deps.slots.held("acme") == 0
    assert len(door.deps.calls) == 0
