"""Every customer's name, kept per tenant so a misheard name can be compared with all of them.

Leap's search only finds names whose first letters were heard right. To find "Klark" or "Jonse",
the spoken name is ranked (``crm_leap.heard``) against the whole customer list: read from Leap a
page of 100 at a time (one request per hundred customers), cached in Redis for a few minutes for
every worker, and dropped when Hard-E adds a customer. Only what a lookup answers with is kept:
name, company, email, phones and street, never notes.
"""

from __future__ import annotations

import json
import time
from typing import Any

from core.keys import tenant_key
from core.redis import Redis
from crm_leap.client import LeapClient
from crm_leap.wire import JSON

NAMES_TTL_SECONDS = 600
MAX_CUSTOMERS = 3000
"""30 requests when the cache is cold; beyond this Leap's own search still finds exact spellings."""
_KEPT = ("id", "first_name", "last_name", "full_name", "company_name", "email")


def lean(customer: JSON) -> JSON:
    """The parts of a customer a lookup shows: who, how to reach them, and where (for an ask-back)."""
    kept: dict[str, Any] = {key: customer.get(key) for key in _KEPT}
    kept["phones"] = [
        {"label": phone.get("label"), "number": phone.get("number")}
        for phone in customer.get("phones") or []
        if isinstance(phone, dict)
    ]
    address = customer.get("address")
    if isinstance(address, dict):
        kept["address"] = {"address": address.get("address"), "city": address.get("city")}
    return kept


def names_of(customer: JSON) -> list[str]:
    """What a caller may call a customer: their name and their company's."""
    first, last = customer.get("first_name") or "", customer.get("last_name") or ""
    full = customer.get("full_name") or f"{first} {last}"
    return [str(full), str(customer.get("company_name") or "")]


class CustomerNames:
    """One tenant's customer list for name lookups, cached in Redis."""

    def __init__(
        self,
        tenant_id: str,
        leap: LeapClient,
        redis: Redis,
        *,
        ttl_seconds: int = NAMES_TTL_SECONDS,
        max_customers: int = MAX_CUSTOMERS,
    ) -> None:
        self._key = tenant_key(tenant_id, "leap", "customer_names")
        self._leap = leap
        self._redis = redis
        self._ttl = ttl_seconds
        self._max = max_customers

    async def all(self) -> list[JSON]:
        raw = await self._redis.get(self._key)
        if raw is not None:
            customers: list[JSON] = json.loads(raw)["customers"]
            return customers
        fetched = [lean(customer) for customer in await self._leap.all_customers(max_items=self._max)]
        payload = {"fetched_at": time.time(), "customers": fetched}
        await self._redis.set(self._key, json.dumps(payload), ex=self._ttl)
        return fetched

    async def forget(self) -> None:
        """A customer was added or renamed: the next lookup reads the list again."""
        await self._redis.delete(self._key)
