"""The ``/v1`` surface as three routers: the admin API (people and the operator sign in to the web
app; operators and tenant admins manage tenants, users, numbers, credentials, knowledge and memory,
and read usage, audit and calls), the text channel (typed conversations with Hard-E) and the
Direct Tools API (the CRM tools without the LLM). In that order the OpenAPI document lists them."""

from fastapi import APIRouter

from api.routes import (
    api_keys,
    audit,
    auth,
    calls,
    conversations,
    history,
    invites,
    knowledge,
    leap,
    memories,
    numbers,
    onboarding,
    personality,
    settings,
    tenants,
    tools,
    usage,
    users,
    widget_tokens,
)

admin_router = APIRouter()
for _part in (
    auth.router,
    tenants.router,
    onboarding.router,
    settings.router,
    personality.templates_router,
    personality.router,
    leap.router,
    users.router,
    numbers.router,
    api_keys.router,
    widget_tokens.router,
    usage.router,
    usage.operator_router,
    audit.router,
    knowledge.router,
    invites.router,
    memories.router,
    history.router,
    calls.router,
    calls.briefings,
):
    admin_router.include_router(_part)

text_router = conversations.router
tools_router = tools.router

ROUTERS: tuple[APIRouter, ...] = (admin_router, text_router, tools_router)

__all__ = ["ROUTERS", "admin_router", "text_router", "tools_router"]
