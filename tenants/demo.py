"""The "Demo Roofing" tenant that a fresh install starts with, bound to the sandbox CRM."""

from __future__ import annotations

import secrets

from tenants.models import CrmMode, Role, Tenant, User
from tenants.store import TenantExists, TenantStore

DEMO_TENANT_ID = "demo-roofing"

DEMO_USERS = (
    ("Dana Whitfield", "+15125550101", "dana@demoroofing.example", Role.OWNER, "4321"),
    ("Mike Alvarez", "+15125550102", "mike@demoroofing.example", Role.SALES_REP, "2468"),
    ("Tony Russo", "+15125550103", "tony@demoroofing.example", Role.CREW, "1357"),
)


def new_sandbox_token() -> str:
    return f"sandbox_{secrets.token_urlsafe(18)}"


async def ensure_demo_tenant(store: TenantStore) -> bool:
    """Create the demo tenant and its users once; returns True when it was created now."""
    tenant = Tenant(id=DEMO_TENANT_ID, name="Demo Roofing", timezone="America/Chicago", crm=CrmMode.SANDBOX)
    try:
        await store.create_tenant(tenant)
    except TenantExists:
        return False
    await store.set_leap_token(DEMO_TENANT_ID, new_sandbox_token(), verified_at=None)
    for name, phone, email, role, pin in DEMO_USERS:
        user = User(tenant_id=DEMO_TENANT_ID, name=name, phones=[phone], email=email, role=role)
        await store.add_user(user, pin=pin)
    return True
