"""What every `harde` sub-command shares: consoles, failing with exit 1, settings, a store session.

Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad usage (typer's).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from core.blobs import BlobStore, blob_store_from_settings
from core.logs import configure_logging
from core.redis import Redis, open_redis
from core.secretbox import SecretBoxError, secret_box_from_settings
from core.settings import Settings, SettingsError, load_settings
from tenants import TenantError, TenantStore

out = Console()
err = Console(stderr=True)
T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    """Print the error and return the exit to raise (``raise fail(...)``)."""
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(1)


def cli_settings(*, server: bool = False) -> Settings:
    """Load settings; commands other than servers log warnings only, to keep their output clean."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise fail(str(error)) from None
    configure_logging(settings)
    if not server:
        logging.getLogger().setLevel(logging.WARNING)
    return settings


@dataclass(frozen=True)
class Session:
    """What a command works with: Redis, the blob store and the tenant store."""

    settings: Settings
    redis: Redis
    blobs: BlobStore
    tenants: TenantStore


def run(action: Callable[[Session], Awaitable[T]], *, errors: tuple[type[Exception], ...] = ()) -> T:
    """Run one async operation, turning expected failures into a clean message and exit 1."""
    settings = cli_settings()

    async def main() -> T:
        async with open_redis(settings) as redis:
            blobs = blob_store_from_settings(settings)
            store = TenantStore(redis, secret_box_from_settings(settings), blobs=blobs)
            return await action(Session(settings, redis, blobs, store))

    expected: tuple[type[Exception], ...] = (TenantError, ValueError, SecretBoxError, *errors)
    try:
        return asyncio.run(main())
    except expected as error:
        raise fail(str(error)) from None
