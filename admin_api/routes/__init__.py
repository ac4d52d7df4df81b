"""The ``/v1`` routers, one per resource group, in the order the OpenAPI document lists them."""

from fastapi import APIRouter

from admin_api.routes import (
    api_keys,
    audit,
    calls,
    conversations,
    invites,
    knowledge,
    leap,
    memories,
    numbers,
    settings,
    tenants,
    tools,
    usage,
    users,
    widget_tokens,
)

ROUTERS: tuple[APIRouter, ...] = (
    tenants.router,
    settings.router,
    leap.router,
    users.router,
    numbers.router,
    api_keys.router,
    widget_tokens.router,
    usage.router,
    audit.router,
    knowledge.router,
    invites.router,
    conversations.router,
    memories.router,
    calls.router,
    tools.router,
)

__all__ = ["ROUTERS"]
