"""Company configuration (reference §7): stages, trades, divisions, users, referrals, geography."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from leap_sandbox import presenters
from leap_sandbox.clock import format_timestamp
from leap_sandbox.deps import Data, Includes, Page
from leap_sandbox.envelopes import page_of, unpaged
from leap_sandbox.errors import NotFound
from leap_sandbox.geography import COUNTRIES, COUNTRIES_BY_ID, STATES
from leap_sandbox.models import Division, Trade, User
from leap_sandbox.presenters import Include, attach
from leap_sandbox.seed_company import PAYMENT_TYPES

router = APIRouter(tags=["company"])


@router.get("/workflow/stages", summary="Workflow stages in order (stage codes are digit strings)")
async def list_stages(ds: Data) -> dict[str, Any]:
    return unpaged([presenters.stage(ds, stage) for stage in ds.stages])


TRADE_INCLUDES: dict[str, Include[Trade]] = {
    "work_types": Include(
        lambda ds, t: [presenters.work_type(w) for w in ds.work_types.values() if w.trade_id == t.id],
        many=True,
    ),
    "jobs_count": Include(
        lambda ds, t: sum(1 for j in ds.jobs.values() if t.id in j.trade_ids and not j.archived)
    ),
}


@router.get("/company/trades", summary="The company's trades")
async def list_trades(
    ds: Data,
    includes: Includes,
    trade_ids: Annotated[list[int], Query(alias="trade_ids[]", default_factory=list)],
) -> dict[str, Any]:
    chosen = [t for t in ds.trades.values() if not trade_ids or t.id in trade_ids]
    return unpaged([attach(presenters.trade(t), ds, t, includes, TRADE_INCLUDES) for t in chosen])


DIVISION_INCLUDES: dict[str, Include[Division]] = {
    "address": Include(lambda ds, d: presenters.address(d.address)),
    "users": Include(
        lambda ds, d: [presenters.user(u) for u in ds.users.values() if d.id in u.division_ids], many=True
    ),
    "trades": Include(lambda ds, d: presenters.trades(ds, d.trade_ids), many=True),
}


@router.get("/divisions", summary="Divisions (branches/teams)")
async def list_divisions(request: Request, ds: Data, paging: Page, includes: Includes) -> dict[str, Any]:
    return page_of(
        list(ds.divisions.values()),
        paging,
        request.url,
        lambda d: attach(presenters.division(d), ds, d, includes, DIVISION_INCLUDES),
    )


USER_INCLUDES: dict[str, Include[User]] = {
    "profile": Include(lambda ds, u: presenters.user_profile(u)),
    "divisions": Include(
        lambda ds, u: [presenters.division(ds.divisions[i]) for i in u.division_ids if i in ds.divisions],
        many=True,
    ),
}


@router.get("/company/users", summary="Company users (staff)")
async def list_users(
    request: Request,
    ds: Data,
    paging: Page,
    includes: Includes,
    user_ids: Annotated[list[int], Query(alias="user_ids[]", default_factory=list)],
    keyword: str | None = None,
    query: str | None = None,
    active: bool | None = None,
    with_inactive: bool = False,
) -> dict[str, Any]:
    search = (keyword or query or "").strip().lower()

    def wanted(user: User) -> bool:
        if user_ids and user.id not in user_ids:
            return False
        if active is not None and bool(user.active) != active:
            return False
        if active is None and not with_inactive and not user.active:
            return False
        return not search or any(search in value.lower() for value in (user.full_name, user.email))

    found = sorted((u for u in ds.users.values() if wanted(u)), key=lambda u: (u.first_name, u.last_name))
    return page_of(
        found, paging, request.url, lambda u: attach(presenters.user(u), ds, u, includes, USER_INCLUDES)
    )


@router.get("/referrals", summary="Lead sources")
async def list_referrals(request: Request, ds: Data, paging: Page) -> dict[str, Any]:
    return page_of(
        list(ds.referrals.values()),
        paging,
        request.url,
        lambda r: {
            "id": r.id,
            "name": r.name,
            "created_at": format_timestamp(r.created_at),
            "updated_at": format_timestamp(r.created_at),
        },
    )


@router.get("/countries", summary="Countries")
async def list_countries() -> dict[str, Any]:
    return unpaged([dict(country) for country in COUNTRIES])


@router.get("/countries/{country_id:int}/states", summary="States of a country")
async def list_states(country_id: int) -> dict[str, Any]:
    if country_id not in COUNTRIES_BY_ID:
        raise NotFound("Country")
    return unpaged([dict(state) for state in STATES if state["country_id"] == country_id])


@router.get("/company/payment_types", summary="Payment methods")
async def list_payment_types() -> dict[str, Any]:
    return unpaged([dict(kind) for kind in PAYMENT_TYPES])
