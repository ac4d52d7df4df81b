"""A company's own vocabulary in Leap: its workflow stages, trades, divisions, users and customers' names.

Every company names its stages and people differently, so nothing here is hard-coded: the lists
are read from Leap, cached in Redis per tenant for a while (they change rarely and every worker
needs them), and re-read when a caller names something the cache does not know, because that is
exactly what happens right after an admin adds a stage or a user. Names resolve forgivingly
(see ``crm_leap.names``); two equally good matches are put back to the caller as a question.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from core.keys import tenant_key
from core.redis import Redis
from crm_leap.client import LeapClient
from crm_leap.customer_names import CustomerNames
from crm_leap.errors import AmbiguousName, UnknownName
from crm_leap.names import best_matches
from crm_leap.wire import JSON

DEFAULT_TTL_SECONDS = 600
MIN_REFRESH_INTERVAL_SECONDS = 30.0
_STAGE_FILLER = frozenset({"the", "stage", "status", "column", "step"})
_LISTED_IN_ERRORS = 12
_NUMBER_WORDS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


@dataclass(frozen=True)
class Stage:
    code: str
    name: str
    position: int

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class CompanyUser:
    id: int
    full_name: str
    first_name: str
    last_name: str
    email: str
    role: str
    """What the person does ("Sales Rep", "Crew Lead"): their profile position, else their Leap group."""

    def describe(self) -> str:
        return f"{self.full_name} ({self.role.lower()})" if self.role else self.full_name


@dataclass(frozen=True)
class Trade:
    id: int
    name: str

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class Division:
    id: int
    name: str

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class State:
    id: int
    name: str
    code: str
    country_id: int

    def describe(self) -> str:
        return self.name


def _stage(raw: JSON) -> Stage:
    return Stage(
        code=str(raw["code"]), name=str(raw.get("name") or ""), position=int(raw.get("position") or 0)
    )


def _user(raw: JSON) -> CompanyUser:
    first, last = str(raw.get("first_name") or ""), str(raw.get("last_name") or "")
    profile = raw.get("profile") if isinstance(raw.get("profile"), dict) else {}
    group = raw.get("group") if isinstance(raw.get("group"), dict) else {}
    return CompanyUser(
        id=int(raw["id"]),
        full_name=str(raw.get("full_name") or f"{first} {last}".strip()),
        first_name=first,
        last_name=last,
        email=str(raw.get("email") or ""),
        role=str((profile or {}).get("position") or (group or {}).get("name") or ""),
    )


def _named(raw: JSON) -> tuple[int, str]:
    return int(raw["id"]), str(raw.get("name") or "")


def _state(raw: JSON) -> State:
    return State(
        id=int(raw["id"]),
        name=str(raw.get("name") or ""),
        code=str(raw.get("code") or ""),
        country_id=int(raw.get("country_id") or 0),
    )


async def _home_country_states(leap: LeapClient) -> list[JSON]:
    """States of the United States (Leap's customers are US contractors), else of the first country."""
    countries = await leap.countries()
    home = next((country for country in countries if country.get("code") in ("US", "USA")), None)
    home = home or (countries[0] if countries else None)
    if home is None:
        return []
    return [{**state, "country_id": home["id"]} for state in await leap.states(int(home["id"]))]


ItemT = TypeVar("ItemT", Stage, CompanyUser, Trade, Division, State)


@dataclass(frozen=True)
class _Catalog(Generic[ItemT]):
    """How one kind of company record is fetched, cached, named and described."""

    kind: str
    noun: str
    item_type: type[ItemT]
    fetch: Callable[[LeapClient], Awaitable[list[JSON]]]
    parse: Callable[[JSON], ItemT]
    names_of: Callable[[ItemT], Sequence[str]]
    ignore: frozenset[str] = frozenset()


_STAGES = _Catalog(
    "stages", "stage", Stage, LeapClient.workflow_stages, _stage, lambda stage: [stage.name], _STAGE_FILLER
)
_USERS = _Catalog(
    "users",
    "user",
    CompanyUser,
    LeapClient.company_users,
    _user,
    lambda user: [user.full_name, user.first_name, user.last_name, user.email.split("@")[0]],
)
_TRADES = _Catalog(
    "trades", "trade", Trade, LeapClient.trades, lambda raw: Trade(*_named(raw)), lambda trade: [trade.name]
)
_DIVISIONS = _Catalog(
    "divisions",
    "division",
    Division,
    LeapClient.divisions,
    lambda raw: Division(*_named(raw)),
    lambda division: [division.name],
)

_STATES = _Catalog(
    "states", "state", State, _home_country_states, _state, lambda state: [state.name, state.code]
)
_CATALOGS: tuple[_Catalog[Any], ...] = (_STAGES, _USERS, _TRADES, _DIVISIONS, _STATES)


class CompanyDirectory:
    """The cached configuration of one tenant's Leap company, with forgiving name resolution."""

    def __init__(
        self,
        tenant_id: str,
        leap: LeapClient,
        redis: Redis,
        *,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        min_refresh_interval: float = MIN_REFRESH_INTERVAL_SECONDS,
    ) -> None:
        self.tenant_id = tenant_id
        self._leap = leap
        self._redis = redis
        self._ttl = ttl_seconds
        self._min_refresh_interval = min_refresh_interval
        self.customers = CustomerNames(tenant_id, leap, redis)
        """Every customer's name, for lookups by a misheard name."""

    async def stages(self) -> list[Stage]:
        """Workflow stages in pipeline order."""
        return sorted(await self._items(_STAGES), key=lambda stage: stage.position)

    async def users(self) -> list[CompanyUser]:
        return await self._items(_USERS)

    async def trades(self) -> list[Trade]:
        return await self._items(_TRADES)

    async def divisions(self) -> list[Division]:
        return await self._items(_DIVISIONS)

    async def stage_by_code(self, code: str) -> Stage | None:
        """The stage a job points at; re-reads Leap once if the code is new to the cache."""
        found = await self._select(_STAGES, lambda stages: [stage for stage in stages if stage.code == code])
        return found[0] if found else None

    async def resolve_stage(self, name: str) -> Stage:
        """The one stage ``name`` means ("prop sent" -> Proposal Sent), or a ``ToolError`` to read out."""
        return await self._resolve(_STAGES, name)

    async def resolve_user(self, name: str) -> CompanyUser:
        """The one user ``name`` means ("Mike" -> asks back when two Mikes work there)."""
        return await self._resolve(_USERS, name)

    async def resolve_trade(self, name: str) -> Trade:
        return await self._resolve(_TRADES, name)

    async def resolve_division(self, name: str) -> Division:
        return await self._resolve(_DIVISIONS, name)

    async def resolve_state(self, name: str) -> State:
        """A US state by name or postal code ("CO", "Colorado"), for customer addresses."""
        return await self._resolve(_STATES, name)

    async def refresh(self) -> None:
        """Forget everything cached for this tenant; the next question re-reads Leap."""
        await self._redis.delete(*(self._key(catalog) for catalog in _CATALOGS))
        await self.customers.forget()

    async def _resolve(self, catalog: _Catalog[ItemT], name: str) -> ItemT:
        matches = await self._select(
            catalog, lambda items: best_matches(name, items, catalog.names_of, catalog.ignore)
        )
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise AmbiguousName(_ambiguity(catalog.noun, name, matches))
        raise UnknownName(_unknown(catalog.noun, name, await self._items(catalog)))

    async def _select(
        self, catalog: _Catalog[ItemT], select: Callable[[list[ItemT]], list[ItemT]]
    ) -> list[ItemT]:
        """``select`` over the cached items; if it finds nothing, over a fresh read from Leap.

        A miss right after a read is not retried, so a made-up name cannot make every question
        cost a round of Leap calls.
        """
        cached = await self._load(catalog)
        found = select(cached.items)
        if found or cached.age < self._min_refresh_interval:
            return found
        return select((await self._fetch(catalog)).items)

    async def _items(self, catalog: _Catalog[ItemT]) -> list[ItemT]:
        return (await self._load(catalog)).items

    def _key(self, catalog: _Catalog[Any]) -> str:
        return tenant_key(self.tenant_id, "leap", "config", catalog.kind)

    async def _load(self, catalog: _Catalog[ItemT]) -> _Snapshot[ItemT]:
        raw = await self._redis.get(self._key(catalog))
        if raw is None:
            return await self._fetch(catalog)
        stored = json.loads(raw)
        return _Snapshot(
            items=[catalog.item_type(**item) for item in stored["items"]],
            fetched_at=float(stored["fetched_at"]),
        )

    async def _fetch(self, catalog: _Catalog[ItemT]) -> _Snapshot[ItemT]:
        items = [catalog.parse(raw) for raw in await catalog.fetch(self._leap)]
        snapshot = _Snapshot(items=items, fetched_at=time.time())
        payload = {"fetched_at": snapshot.fetched_at, "items": [asdict(item) for item in items]}
        await self._redis.set(self._key(catalog), json.dumps(payload), ex=self._ttl)
        return snapshot


@dataclass(frozen=True)
class _Snapshot(Generic[ItemT]):
    items: list[ItemT]
    fetched_at: float

    @property
    def age(self) -> float:
        return time.time() - self.fetched_at


def _count(number: int) -> str:
    return _NUMBER_WORDS[number] if number < len(_NUMBER_WORDS) else str(number)


def _spoken_list(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _ambiguity(
    noun: str, name: str, matches: Sequence[Stage | CompanyUser | Trade | Division | State]
) -> str:
    described = _spoken_list([match.describe() for match in matches])
    return f"{_count(len(matches))} {noun}s match '{name}': {described}. Which one?"


def _unknown(noun: str, name: str, known: Sequence[Stage | CompanyUser | Trade | Division | State]) -> str:
    message = f"No {noun} in Leap matches '{name}'."
    if 0 < len(known) <= _LISTED_IN_ERRORS:
        message += f" The {noun}s are: {_spoken_list([item.describe() for item in known])}."
    return message
