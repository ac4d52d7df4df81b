"""The app on its embedded default: health, persistence across restarts, clean shutdown."""

import asyncio
import os
import re
import signal
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from api.operator import new_operator_token
from core.settings import Settings
from harde.app import create_app
from tenants import DEMO_TENANT_ID
from testkit.redis_kill import assert_nothing_acknowledged_was_lost, kill_during_writes, server_pids
from testkit.servers import free_port, harde_serve, serve, serve_log


def embedded_settings(var_dir: Path) -> Settings:
    return Settings(var_dir=var_dir, redis_url=None)


async def test_health_and_readiness_over_http(tmp_path):
    async with (
        serve(create_app(embedded_settings(tmp_path))) as base,
        httpx.AsyncClient(base_url=base) as http,
    ):
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        assert (await http.get("/readyz")).json() == {"status": "ready"}


async def test_embedded_redis_persists_across_restart_and_demo_is_created_once(tmp_path):
    app = create_app(embedded_settings(tmp_path))
    async with serve(app):
        services = app.state.services
        demo = await services.tenants.get_tenant(DEMO_TENANT_ID)
        assert [u.name for u in await services.tenants.list_users(DEMO_TENANT_ID)] == [
            "Dana Whitfield", "Mike Alvarez", "Tony Russo",
        ]  # fmt: skip
        await services.tenants.update_tenant(DEMO_TENANT_ID, soul_document="Remember me.")

    restarted = create_app(embedded_settings(tmp_path))
    async with serve(restarted):
        again = await restarted.state.services.tenants.get_tenant(DEMO_TENANT_ID)
        assert again.soul_document == "Remember me."
        assert again.created_at == demo.created_at


async def until_ready(http: httpx.AsyncClient, timeout: float = 30.0) -> None:
    """Poll /readyz until it answers 200; fail with its last answer when the deadline passes."""
    deadline = time.monotonic() + timeout
    while (answer := await http.get("/readyz", timeout=timeout)).status_code != 200:
        assert time.monotonic() < deadline, f"/readyz did not come back: {answer.text}"
        await asyncio.sleep(0.05)


async def test_a_killed_embedded_redis_comes_back_with_every_write_and_readiness(tmp_path):
    app = create_app(embedded_settings(tmp_path))
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as http:
        redis = app.state.services.redis
        [first] = redis_pids_for(tmp_path)
        writes = await kill_during_writes(redis, first)
        await assert_nothing_acknowledged_was_lost(redis, writes)

        [second] = redis_pids_for(tmp_path)
        os.kill(second, signal.SIGKILL)
        await until_ready(http)
        assert redis_pids_for(tmp_path) not in ([], [second])
        assert await app.state.services.tenants.get_tenant(DEMO_TENANT_ID)


def redis_pids_for(var_dir: Path) -> list[int]:
    return server_pids(var_dir / "redis" / "redis.sock")


# A server process starts in seconds, but loads Pipecat and the speech models first: on cores busy
# with other work that can take minutes, so the wait (and these tests' timeout) allows for it.
SERVER_START_SECS = 240.0


def wait_for(predicate, timeout=SERVER_START_SECS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.timeout(SERVER_START_SECS + 60)
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_no_orphan_redis_after_the_server_stops(tmp_path, stop_signal):
    port = free_port()
    server = harde_serve(tmp_path, port)
    try:
        assert wait_for(lambda: _healthy(port)), serve_log(tmp_path) if server.poll() else "no answer"
        assert len(redis_pids_for(tmp_path)) == 1
        server.send_signal(stop_signal)
        server.wait(timeout=20)
        assert wait_for(lambda: redis_pids_for(tmp_path) == []), "redis-server outlived the app"
    finally:
        server.kill()
        server.wait()


@pytest.mark.timeout(600)  # two workers import Pipecat and load models: minutes on busy cores
def test_with_several_workers_the_parent_restarts_the_shared_redis(tmp_path):
    """``serve --workers 2`` starts the embedded Redis in the parent, so the parent supervises it."""
    port = free_port()
    server = harde_serve(tmp_path, port, "--workers", "2")
    try:
        assert wait_for(lambda: _ready(port, times=10), timeout=400), "the workers never became ready"
        [first] = redis_pids_for(tmp_path)
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: redis_pids_for(tmp_path) not in ([], [first]))
        assert _parent_of(redis_pids_for(tmp_path)[0]) == server.pid
        assert wait_for(lambda: _ready(port, times=10), timeout=120), "/readyz did not come back"
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
    finally:
        server.kill()  # no-op once it has stopped
        server.wait()
    assert wait_for(lambda: redis_pids_for(tmp_path) == []), "redis-server outlived the app"


def _ready(port: int, times: int) -> bool:
    """/readyz answers 200 on ``times`` fresh connections in a row (they reach either worker)."""
    try:
        return all(
            httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=15).status_code == 200 for _ in range(times)
        )
    except httpx.HTTPError:
        return False


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


async def test_the_mounted_sandbox_serves_leap_but_not_its_control_routes(tmp_path):
    app = create_app(embedded_settings(tmp_path))
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as http:
        token = await app.state.services.tenants.get_leap_token(DEMO_TENANT_ID)
        stages = await http.get(
            "/sandbox/leap/api/v3/workflow/stages", headers={"Authorization": f"Bearer {token}"}
        )
        assert stages.status_code == 200 and any(s["name"] == "Proposal Sent" for s in stages.json()["data"])
        assert (await http.post("/sandbox/leap/_sandbox/reset")).status_code in (403, 404)


async def test_the_home_page_opens_the_app_and_the_api_docs_load_nothing_from_other_hosts(tmp_path):
    async with (
        serve(create_app(embedded_settings(tmp_path))) as base,
        httpx.AsyncClient(base_url=base) as http,
    ):
        home = await http.get("/")
        docs = await http.get("/docs")
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", docs.text)
        fetched = [await http.get(asset) for asset in assets]

    assert home.is_redirect and home.headers["location"] == "/app/"
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    assert assets and all(asset.startswith("/") for asset in assets), assets  # no CDN
    assert [response.status_code for response in fetched] == [200] * len(assets)


@pytest.mark.timeout(SERVER_START_SECS + 60)
def test_an_invite_link_leads_back_to_the_server_that_made_it(tmp_path):
    token, digest = new_operator_token()
    port = free_port()
    server = harde_serve(tmp_path, port, HARDE_OPERATOR_TOKEN_HASH=digest)
    try:
        assert wait_for(lambda: _healthy(port)), serve_log(tmp_path) if server.poll() else "no answer"
        created = httpx.post(
            f"http://127.0.0.1:{port}/v1/invites",
            json={},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        link = created.json()["url"]
        code = parse_qs(urlparse(link).query)["invite"][0]
        offer = httpx.get(f"http://127.0.0.1:{port}/v1/invites/lookup", params={"code": code}, timeout=10)
        page = httpx.get(link, timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert link == f"http://127.0.0.1:{port}/app/welcome?invite={created.json()['code']}"  # the web app
    assert offer.status_code == 200, offer.text  # and this server knows the code
    assert page.status_code == 200 and 'id="root"' in page.text, page.text  # the app (scripts/setup built it)
