"""The `harde` command line: run the server, manage tenants and users, check the installation.

Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad usage.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from rich.table import Table

from core.redis import EmbeddedRedis
from core.secretbox import new_key_spec
from core.validation import readable_errors
from harde.cli_common import Session, cli_settings, err, fail, out, run
from harde.cli_kb import kb_app
from harde.cli_leap import leap_app
from harde.doctor import Status, run_checks
from tenants import Role, Tenant, TenantStore, User, UserNotFound, normalize_phone

T = TypeVar("T")

app = typer.Typer(
    help="Hard-E: the voice-first AI sales director for contracting companies.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
tenant_app = typer.Typer(help="Create, list, show and delete tenants.", no_args_is_help=True)
user_app = typer.Typer(
    help="Add, list and remove a tenant's users; give one a link to choose a new password.",
    no_args_is_help=True,
)
twilio_app = typer.Typer(help="Connect Twilio phone numbers to this deployment.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(twilio_app, name="twilio")
app.add_typer(kb_app, name="kb")
app.add_typer(leap_app, name="leap")


def _run(action: Callable[[TenantStore], Awaitable[T]]) -> T:
    """Run one tenant-store operation (see ``cli_common.run``)."""
    return run(lambda session: action(session.tenants))


# Our logging is configured already. Media-stream messages are small and frequent: compressing them
# buys nothing and showed up in the phone concurrency benchmark's CPU profile. On SIGTERM, requests
# still running after the grace period are cancelled (an upload being read is refused, its worker
# killed), so a stop is never held up by a slow request; calls' websockets are closed at once anyway.
SHUTDOWN_GRACE_S = 15
SERVER_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "ws_per_message_deflate": False,
    "timeout_graceful_shutdown": SHUTDOWN_GRACE_S,
}


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes, sharing one Redis; one per core for phone traffic.")
    ] = 1,
) -> None:
    """Run Hard-E: phone calls, typed conversations, the admin and tools APIs, the demo tenant."""
    settings = cli_settings(server=True)
    if "public_url" not in settings.model_fields_set:
        # Links the server hands out (invites) must lead back to this very server, port included.
        local = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}"
        os.environ["HARDE_PUBLIC_URL"] = local  # the workers read their settings from the environment
        settings = settings.model_copy(update={"public_url": local})
    if workers == 1:
        from harde.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, **SERVER_OPTIONS)
        return
    embedded: EmbeddedRedis | None = None
    if settings.redis_url is None:
        # Workers must share one Redis: start the embedded one here and hand them its URL. This
        # process outlives the workers, so it supervises the server (restarts it if it dies).
        embedded = EmbeddedRedis(settings.var_dir / "redis")
        embedded.start()
        os.environ["REDIS_URL"] = embedded.url
    try:
        uvicorn.run(
            "harde.app:create_app", factory=True, host=host, port=port, workers=workers, **SERVER_OPTIONS
        )
    finally:
        if embedded is not None:
            embedded.stop()


@app.command()
def doctor() -> None:
    """Check configuration and every dependency; exit 1 when something required is missing."""
    settings = cli_settings()
    checks = asyncio.run(run_checks(settings))
    colour = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "red"}
    for check in checks:
        out.print(f"[{colour[check.status]}]{check.status.value:>4}[/] {check.name:<13} {check.detail}")
    if any(check.status is Status.FAIL for check in checks):
        raise typer.Exit(1)


@app.command()
def openapi() -> None:
    """Print the HTTP API's OpenAPI document (JSON); the web app's typed client is generated from it."""
    settings = cli_settings()
    from harde.app import create_app

    typer.echo(json.dumps(create_app(settings).openapi(), indent=1))


@app.command("secret-key")
def secret_key(key_id: Annotated[str | None, typer.Option(help="Id for the new key.")] = None) -> None:
    """Print a new encryption key entry for HARDE_SECRET_KEYS (put it first to rotate)."""
    out.print(new_key_spec(key_id), soft_wrap=True)


@app.command("operator-token")
def operator_token() -> None:
    """Print a new operator token (shown once) and the hash to put in HARDE_OPERATOR_TOKEN_HASH."""
    from api.operator import new_operator_token

    token, digest = new_operator_token()
    out.print(f"operator token (keep it secret; it is not stored anywhere): {token}", soft_wrap=True)
    out.print(f"HARDE_OPERATOR_TOKEN_HASH={digest}", soft_wrap=True)


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8100,
    rate_limit: Annotated[int, typer.Option(help="Requests per minute per token.")] = 60,
) -> None:
    """Run the Leap-compatible sandbox CRM on its own (API under /api/v3)."""
    cli_settings(server=True)
    from leap_sandbox import create_sandbox_app

    uvicorn.run(create_sandbox_app(rate_limit_per_minute=rate_limit), host=host, port=port)


# --- tenants -------------------------------------------------------------------------------------


def _tenant_table(tenants: list[Tenant]) -> Table:
    table = Table("id", "name", "time zone", "CRM", "Leap token", "created")
    for tenant in tenants:
        table.add_row(
            tenant.id,
            tenant.name,
            tenant.timezone,
            tenant.crm.value,
            "set" if tenant.leap_token_set else "-",
            tenant.created_at.strftime("%Y-%m-%d"),
        )
    return table


@tenant_app.command("create")
def tenant_create(
    tenant_id: Annotated[str, typer.Argument(help="Short id: lowercase letters, digits and '-'.")],
    name: Annotated[str, typer.Option(help="Company name.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "America/Chicago",
) -> None:
    """Create a tenant."""
    try:
        tenant = Tenant(id=tenant_id, name=name, timezone=timezone)
    except ValidationError as error:
        raise fail(readable_errors(error)) from None
    _run(lambda store: store.create_tenant(tenant))
    out.print(f"created tenant [bold]{tenant.id}[/bold] ({tenant.name})")


@tenant_app.command("list")
def tenant_list() -> None:
    """List tenants."""
    out.print(_tenant_table(_run(lambda store: store.list_tenants())))


@tenant_app.command("show")
def tenant_show(tenant_id: Annotated[str, typer.Argument(help="Tenant id.")]) -> None:
    """Show one tenant's settings (never its secrets)."""
    tenant = _run(lambda store: store.get_tenant(tenant_id))
    out.print_json(tenant.model_dump_json(exclude={"soul_document"}))


@tenant_app.command("delete")
def tenant_delete(
    tenant_id: Annotated[str, typer.Argument(help="Tenant id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a tenant and everything stored for it."""
    if not yes and not typer.confirm(f"Erase tenant {tenant_id} and all its data?"):
        raise typer.Exit(1)

    async def erase(session: Session) -> int:
        from tenants.api_keys import ApiKeyStore

        await ApiKeyStore(session.redis).forget_tenant(tenant_id)  # key lookups live outside the prefix
        return await session.tenants.erase_tenant(tenant_id)

    deleted = run(erase)
    out.print(f"erased tenant {tenant_id} ({deleted} keys)")


# --- users ---------------------------------------------------------------------------------------


@user_app.command("add")
def user_add(
    tenant: Annotated[str, typer.Option(help="Tenant id.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    phone: Annotated[list[str] | None, typer.Option(help="Phone number (repeatable).")] = None,
    email: Annotated[str | None, typer.Option(help="Email address.")] = None,
    role: Annotated[Role, typer.Option(help="What the user may do.")] = Role.SALES_REP,
    pin: Annotated[str | None, typer.Option(help="4-8 digit PIN for calls from unknown numbers.")] = None,
) -> None:
    """Add a user to a tenant."""
    try:
        user = User(tenant_id=tenant, name=name, phones=phone or [], email=email, role=role)
    except ValidationError as error:
        raise fail(readable_errors(error)) from None
    created = _run(lambda store: store.add_user(user, pin=pin))
    out.print(f"added user [bold]{created.id}[/bold] ({created.name}, {created.role.value})")


@user_app.command("list")
def user_list(tenant: Annotated[str, typer.Option(help="Tenant id.")]) -> None:
    """List a tenant's users."""

    async def action(store: TenantStore) -> list[User]:
        await store.get_tenant(tenant)
        return await store.list_users(tenant)

    table = Table("id", "name", "role", "phones", "email", "PIN")
    for user in _run(action):
        table.add_row(
            user.id, user.name, user.role.value, ", ".join(user.phones), user.email or "-",
            "set" if user.pin_hash else "-",
        )  # fmt: skip
    out.print(table)


@user_app.command("remove")
def user_remove(
    user_id: Annotated[str, typer.Argument(help="User id.")],
    tenant: Annotated[str, typer.Option(help="Tenant id.")],
) -> None:
    """Remove a user."""
    _run(lambda store: store.remove_user(tenant, user_id))
    out.print(f"removed user {user_id}")


@user_app.command("reset-password")
def user_reset_password(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The email the person signs in with.")],
    tenant: Annotated[str, typer.Option(help="Tenant id.")],
) -> None:
    """Print a one-time link (valid 24 hours) with which the person chooses a new password.

    Nothing is sent: give them the link. It replaces their earlier link; using it ends their sessions.

    Exit 1 if the tenant, or a user of it with that email, does not exist.
    """
    from tenants.audit import AuditLog
    from tenants.password_links import PasswordLink, PasswordLinks, Purpose, link_url

    async def action(session: Session) -> tuple[User, str, PasswordLink]:
        company = await session.tenants.get_tenant(tenant)
        wanted = email.strip().lower()
        user = next((u for u in await session.tenants.list_users(tenant) if u.email == wanted), None)
        if user is None:
            raise UserNotFound(
                f"tenant {tenant} has no user with the email {email}; `harde user list --tenant {tenant}` "
                "shows their emails"
            )
        links = PasswordLinks(session.redis)
        token, link = await links.create(company, user, Purpose.RESET, created_by="cli")
        await AuditLog(session.redis).record(
            tenant, actor="cli", event="user.sign_in_link", detail=f"{user.id}: reset {link.id}"
        )
        return user, link_url(session.settings.public_url, token), link

    user, url, link = run(action)
    err.print(
        f"one-time link for {user.name} ({user.email}) to choose a new password, valid until "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    out.print(url, soft_wrap=True, markup=False, highlight=False)


# --- twilio --------------------------------------------------------------------------------------


@twilio_app.command("connect")
def twilio_connect(
    number: Annotated[str, typer.Option(help="A Twilio number of your account, e.g. +15125550000.")],
    tenant: Annotated[str, typer.Option(help="The tenant whose line this becomes.")],
) -> None:
    """Point a Twilio number's voice and status webhooks here and route its calls to a tenant."""
    from twilio.base.exceptions import TwilioRestException

    from telephony.rest import TwilioRest

    settings = cli_settings()
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise fail("set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN first")
    if settings.public_url.startswith("http://localhost"):
        raise fail(
            "set HARDE_PUBLIC_URL to the https address Twilio can reach (e.g. https://voice.example.com)"
        )
    try:
        e164 = normalize_phone(number)
    except ValueError as error:
        raise fail(str(error)) from None
    rest = TwilioRest(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        base_url=settings.twilio_api_base_url,
    )

    async def action(store: TenantStore) -> str:
        await store.get_tenant(tenant)
        try:
            config = await rest.point_number(
                e164,
                voice_url=f"{settings.public_url}/twilio/voice",
                status_url=f"{settings.public_url}/twilio/status",
            )
        finally:
            await rest.aclose()
        return await store.claim_number(tenant, config.phone_number)

    try:
        claimed = _run(action)
    except (LookupError, TwilioRestException) as error:
        raise fail(f"Twilio refused: {error}") from None
    out.print(f"{claimed} now answers as Hard-E for tenant [bold]{tenant}[/bold]")
