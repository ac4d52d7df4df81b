"""The web app as `harde serve` serves it: `/` and invite links lead into it, every path under
`/app/` is the app's page (its router decides), assets are cached for good and the page never, a
missing asset is a 404 rather than HTML, and an unbuilt app says how to build it.

The built app is stood in for by a small dist folder (the real build is Node's job, and
tests/browser drives it in Chromium); the server code under test is the real one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from harde import webapp
from harde.app import create_app
from testkit.servers import serve

INDEX = (
    '<!doctype html><html><body><div id="root"></div>'
    '<script src="/app/assets/index-abc123.js"></script></body></html>'
)


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-abc123.js").write_text("console.log('app');")
    (tmp_path / "secret.txt").write_text("not for the web")
    monkeypatch.setattr(webapp, "DIST", folder)
    return folder


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(var_dir=tmp_path / "var", redis_url=None))  # type: ignore[call-arg]
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as client:
        yield client


async def test_the_home_page_and_invite_links_open_the_app(dist: Path, http: httpx.AsyncClient) -> None:
    home = await http.get("/")
    invite = await http.get("/", params={"invite": "hdi_abc&x=1"})
    bare = await http.get("/app")

    assert home.is_redirect and home.headers["location"] == "/app/"
    assert invite.is_redirect and invite.headers["location"] == "/app/welcome?invite=hdi_abc%26x%3D1"
    assert bare.is_redirect and bare.headers["location"] == "/app/"


@pytest.mark.parametrize(
    "path", ["/app/", "/app/welcome?invite=hdi_x", "/app/conversations/s_1", "/app/no/such/page"]
)
async def test_every_page_under_app_is_the_app_never_cached_and_locked_to_this_server(
    dist: Path, http: httpx.AsyncClient, path: str
) -> None:
    page = await http.get(path)

    assert page.status_code == 200 and page.text == INDEX
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    policy = page.headers["content-security-policy"]
    assert (
        "default-src 'self'" in policy
        and "script-src 'self'" in policy
        and "frame-ancestors 'none'" in policy
    )


async def test_assets_are_cached_for_good_and_a_missing_one_is_not_answered_with_the_page(
    dist: Path, http: httpx.AsyncClient
) -> None:
    asset = await http.get("/app/assets/index-abc123.js")
    missing = await http.get("/app/assets/index-old999.js")
    outside = await http.get("/app/assets/..%2F..%2Fsecret.txt")

    assert asset.status_code == 200 and "console.log" in asset.text
    assert "immutable" in asset.headers["cache-control"]
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert "not part of this build" in missing.json()["detail"]
    assert outside.status_code == 404 and "not for the web" not in outside.text


async def test_an_unbuilt_app_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient
) -> None:
    monkeypatch.setattr(webapp, "DIST", tmp_path / "nothing-here")

    page = await http.get("/app/")

    assert page.status_code == 503 and "run scripts/setup" in page.json()["detail"]


async def test_the_demo_owner_gets_a_one_time_link_into_the_app_then_the_sign_in_page(tmp_path: Path) -> None:
    app = create_app(Settings(var_dir=tmp_path / "var", redis_url=None))  # type: ignore[call-arg]
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as http:
        services = app.state.services
        first = await webapp.demo_app_link(base, services.tenants, app.state.admin.password_links)
        assert first is not None and first.startswith(f"{base}/app/set-password?token=hdp_")
        token = first.split("token=")[1].split(" ")[0]
        link = await http.get(f"/v1/auth/password-links/{token}")
        assert link.status_code == 200 and link.json()["email"] == "dana@demoroofing.example", link.text
        chosen = await http.post(f"/v1/auth/password-links/{token}", json={"password": "a long password"})
        assert chosen.status_code == 200, chosen.text

        again = await webapp.demo_app_link(base, services.tenants, app.state.admin.password_links)

    assert again == f"{base}/app/sign-in (sign in as dana@demoroofing.example)"
