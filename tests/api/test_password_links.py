"""One-time password links: an owner or manager makes a welcome link for a team member, the CLI a
reset link; the person opens it, chooses a password and is signed in. A link works once, expires,
dies with its person, and only an owner may make one for an owner."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

from typer.testing import CliRunner

from harde.cli import app as cli
from tenants.models import utcnow
from tenants.password_links import PasswordLinks
from tests.api.conftest import Api
from tests.api.test_sign_in import CSRF, PASSWORD, browser, person, sign_in

PROBLEMS = "https://hard-e.dev/problems/"
NEW_PASSWORD = "a brand new passphrase"


def token_of(url: str) -> str:
    [token] = parse_qs(urlparse(url).query)["token"]
    return token


async def member(api: Api, tenant_id: str, email: str | None, role: str = "crew") -> dict:
    body = {"name": "Tony Russo", "email": email, "role": role}
    response = await api.http.post(f"/v1/tenants/{tenant_id}/users", json=body, headers=api.operator)
    assert response.status_code == 201, response.text
    created: dict = response.json()
    return created


async def test_a_manager_welcomes_a_team_member_who_sets_a_password_and_is_signed_in(api: Api):
    await api.tenant("peak", name="Peak Roofing")
    await person(api, "peak", "mia@peak.example", role="manager")
    tony = await member(api, "peak", "tony@peak.example")
    async with browser(api) as mias:
        csrf = (await sign_in(mias, "mia@peak.example"))["csrf_token"]
        made = await mias.post(f"/v1/tenants/peak/users/{tony['id']}/sign-in-link", headers={CSRF: csrf})
    assert made.status_code == 201, made.text
    link = made.json()
    assert link["url"].startswith("http://localhost:8000/app/set-password?token=hdp_")
    assert link["purpose"] == "welcome"
    days = datetime.fromisoformat(link["expires_at"]) - utcnow()
    assert timedelta(days=6, hours=23) < days <= timedelta(days=7)
    token = token_of(link["url"])

    async with browser(api) as tonys:
        about = await tonys.get(f"/v1/auth/password-links/{token}")
        short = await tonys.post(f"/v1/auth/password-links/{token}", json={"password": "short"})
        chosen = await tonys.post(f"/v1/auth/password-links/{token}", json={"password": NEW_PASSWORD})
        me = await tonys.get("/v1/auth/me")
        again = await tonys.post(f"/v1/auth/password-links/{token}", json={"password": "another one here"})
        reopened = await tonys.get(f"/v1/auth/password-links/{token}")

    assert about.status_code == 200, about.text
    assert about.json() == {
        "name": "Tony Russo",
        "email": "tony@peak.example",
        "company": "Peak Roofing",
        "purpose": "welcome",
        "expires_at": link["expires_at"].replace("+00:00", "Z"),
    }
    assert (short.status_code, short.json()["type"]) == (422, PROBLEMS + "validation-error")
    assert "at least 10 characters" in short.json()["detail"]
    assert chosen.status_code == 200, chosen.text  # the short try did not spend the link
    assert chosen.json()["user"]["id"] == tony["id"] and "harde_session=hds_" in chosen.headers["set-cookie"]
    assert me.json()["user"]["email"] == "tony@peak.example" and me.json()["permissions"] == [
        "conversations",
        "tools:read",
    ]
    for used in (again, reopened):
        assert (used.status_code, used.json()["type"]) == (410, PROBLEMS + "password-link-used")
    async with browser(api) as elsewhere:
        assert (await sign_in(elsewhere, "tony@peak.example", NEW_PASSWORD))["user"]["id"] == tony["id"]
    users = (await api.http.get("/v1/tenants/peak/users", headers=api.operator)).json()
    assert {u["name"]: u["has_password"] for u in users} == {"Mia": True, "Tony Russo": True}


async def test_a_link_works_once_even_from_two_tabs_at_the_same_moment(api: Api):
    await api.tenant("peak")
    tony = await member(api, "peak", "tony@peak.example")
    made = await api.http.post(f"/v1/tenants/peak/users/{tony['id']}/sign-in-link", headers=api.operator)
    token = token_of(made.json()["url"])

    answers = await asyncio.gather(
        *(
            api.http.post(f"/v1/auth/password-links/{token}", json={"password": f"{NEW_PASSWORD} {n}"})
            for n in range(4)
        )
    )

    assert sorted(a.status_code for a in answers) == [200, 410, 410, 410]


async def test_an_expired_link_says_so_and_changes_nothing(api: Api):
    await api.tenant("peak")
    tony = await member(api, "peak", "tony@peak.example")
    made = await api.http.post(f"/v1/tenants/peak/users/{tony['id']}/sign-in-link", headers=api.operator)
    token = token_of(made.json()["url"])
    a_week_later = PasswordLinks(api.admin.redis, clock=lambda: utcnow() + timedelta(days=7, seconds=1))
    api.app.state.admin = dataclasses.replace(api.admin, password_links=a_week_later)

    about = await api.http.get(f"/v1/auth/password-links/{token}")
    used = await api.http.post(f"/v1/auth/password-links/{token}", json={"password": NEW_PASSWORD})

    for response in (about, used):
        assert (response.status_code, response.json()["type"]) == (410, PROBLEMS + "password-link-expired")
        assert "ask an owner or manager for a new one" in response.json()["detail"]
    assert (await api.admin.tenants.get_user("peak", tony["id"])).password_hash is None


async def test_an_unknown_link_is_404_and_counts_as_a_failed_credential(make_api):
    async with make_api(auth_failures_per_window=2) as api:
        first = await api.http.get("/v1/auth/password-links/hdp_neverIssuedThisOne")
        second = await api.http.post("/v1/auth/password-links/nonsense", json={"password": NEW_PASSWORD})
        third = await api.http.get("/v1/auth/password-links/hdp_neverIssuedThisOne")
    for response in (first, second):
        assert (response.status_code, response.json()["type"]) == (404, PROBLEMS + "password-link-not-found")
    assert (third.status_code, third.json()["type"]) == (429, PROBLEMS + "rate-limited")


async def test_a_new_link_voids_the_old_and_a_removed_users_link_dies(api: Api):
    await api.tenant("peak")
    tony = await member(api, "peak", "tony@peak.example")
    path = f"/v1/tenants/peak/users/{tony['id']}/sign-in-link"
    old = token_of((await api.http.post(path, headers=api.operator)).json()["url"])
    new = token_of((await api.http.post(path, headers=api.operator)).json()["url"])

    old_answer = await api.http.get(f"/v1/auth/password-links/{old}")
    assert (await api.http.get(f"/v1/auth/password-links/{new}")).status_code == 200
    await api.http.delete(f"/v1/tenants/peak/users/{tony['id']}", headers=api.operator)
    new_answer = await api.http.get(f"/v1/auth/password-links/{new}")

    assert old_answer.status_code == 404 and new_answer.status_code == 404


async def test_choosing_a_password_ends_the_persons_other_sessions(api: Api):
    await api.tenant("peak")
    sam = await person(api, "peak", "sam@peak.example")
    async with browser(api) as stolen_laptop:
        await sign_in(stolen_laptop, "sam@peak.example")
        made = await api.http.post(f"/v1/tenants/peak/users/{sam['id']}/sign-in-link", headers=api.operator)
        assert made.json()["purpose"] == "reset"  # Sam has a password already: a short-lived reset
        hours = datetime.fromisoformat(made.json()["expires_at"]) - utcnow()
        assert timedelta(hours=23) < hours <= timedelta(hours=24)
        chosen = await api.http.post(
            f"/v1/auth/password-links/{token_of(made.json()['url'])}", json={"password": NEW_PASSWORD}
        )
        after = await stolen_laptop.get("/v1/auth/me")
    assert chosen.status_code == 200, chosen.text
    assert after.status_code == 401
    old = await api.http.post("/v1/auth/sign-in", json={"email": "sam@peak.example", "password": PASSWORD})
    assert old.status_code == 401


async def test_only_an_owner_makes_a_link_for_an_owner_and_crew_make_none(api: Api):
    await api.tenant("peak")
    owner = await person(api, "peak", "sam@peak.example", role="owner")
    await person(api, "peak", "mia@peak.example", role="manager")
    await person(api, "peak", "tony@peak.example", role="crew")
    nomail = await member(api, "peak", None)
    key = await api.key("peak", "admin")
    answers = {}
    for email in ("mia@peak.example", "tony@peak.example", "sam@peak.example"):
        async with browser(api) as client:
            csrf = (await sign_in(client, email))["csrf_token"]
            answers[email] = await client.post(
                f"/v1/tenants/peak/users/{owner['id']}/sign-in-link", headers={CSRF: csrf}
            )
    links = "/v1/tenants/peak/users/{}/sign-in-link"
    by_key = await api.http.post(links.format(owner["id"]), headers=key["headers"])
    no_email = await api.http.post(links.format(nomail["id"]), headers=api.operator)

    assert (answers["mia@peak.example"].status_code, answers["mia@peak.example"].json()["type"]) == (
        403,
        PROBLEMS + "owner-only",
    )
    assert answers["tony@peak.example"].json()["type"] == PROBLEMS + "insufficient-scope"
    assert answers["sam@peak.example"].status_code == 201
    assert (by_key.status_code, by_key.json()["type"]) == (403, PROBLEMS + "owner-only")
    assert (no_email.status_code, no_email.json()["type"]) == (409, PROBLEMS + "user-without-email")


async def test_the_cli_prints_a_reset_link_that_works(make_api, redis_server, monkeypatch, tmp_path):
    public_url = "https://voice.example.com"
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("HARDE_PUBLIC_URL", public_url)
    monkeypatch.setenv("HARDE_VAR_DIR", str(tmp_path / "cli"))
    async with make_api(public_url=public_url) as api:
        await api.tenant("peak")
        sam = await person(api, "peak", "sam@peak.example")

        printed = await asyncio.to_thread(
            CliRunner().invoke, cli, ["user", "reset-password", "--tenant", "peak", "SAM@peak.example"]
        )
        assert printed.exit_code == 0, printed.output
        url = printed.stdout.strip()
        assert url.startswith(f"{public_url}/app/set-password?token=hdp_")
        link = f"/v1/auth/password-links/{token_of(url)}"
        about = await api.http.get(link)
        chosen = await api.http.post(link, json={"password": NEW_PASSWORD})

    assert (about.json()["purpose"], about.json()["email"]) == ("reset", "sam@peak.example")
    assert chosen.status_code == 200 and chosen.json()["user"]["id"] == sam["id"]
    hours = datetime.fromisoformat(about.json()["expires_at"]) - utcnow()
    assert timedelta(hours=23) < hours <= timedelta(hours=24)
