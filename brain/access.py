"""Who may use which tool: the role matrix for people, scopes for API keys.

Tiers set the outer bound (restricted tools never run from a conversation or an API key; they
are done by an owner in Leap itself). Within it, roles narrow by area: crews work jobs and
notes but don't email homeowners or see the money; read-only users read.
"""

from __future__ import annotations

from dataclasses import dataclass

from brain.context import CallContext
from crm_leap.tools import Tier
from tenants import Role, Scope

ALL = frozenset({"*"})

# Areas each role may read and write; "*" means every area.
_READ_AREAS: dict[Role, frozenset[str]] = {
    Role.OWNER: ALL,
    Role.MANAGER: ALL,
    Role.SALES_REP: ALL,
    Role.CREW: frozenset(
        {
            "customers",
            "jobs",
            "notes",
            "appointments",
            "schedule",
            "tasks",
            "documents",
            "subcontractors",
            "company",
        }
    ),
    Role.READ_ONLY: ALL,
}
_WRITE_AREAS: dict[Role, frozenset[str]] = {
    Role.OWNER: ALL,
    Role.MANAGER: ALL,
    Role.SALES_REP: ALL,
    Role.CREW: frozenset({"notes", "tasks"}),
    Role.READ_ONLY: frozenset(),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def _covers(areas: frozenset[str], area: str) -> bool:
    return "*" in areas or area in areas


def may_use(ctx: CallContext, tier: Tier, area: str) -> Decision:
    """Whether this caller or key may run a tool of ``tier`` in ``area``, and why not."""
    if tier is Tier.RESTRICTED:
        return Decision(
            False,
            "This is a restricted action (money or destructive). Hard-E never does it from a "
            "conversation or the API; an owner or manager can do it in Leap directly.",
        )
    if ctx.api_key_id is not None:
        needed = Scope.TOOLS_READ if tier is Tier.READ else Scope.TOOLS_WRITE
        if needed in ctx.scopes:
            return Decision(True)
        return Decision(False, f"This API key lacks the '{needed.value}' scope.")
    role = ctx.role or Role.READ_ONLY
    areas = _READ_AREAS[role] if tier is Tier.READ else _WRITE_AREAS[role]
    if _covers(areas, area):
        return Decision(True)
    verb = "see" if tier is Tier.READ else "change"
    return Decision(
        False,
        f"A {role.value.replace('_', ' ')} can't {verb} {area} through Hard-E; ask a manager or the owner.",
    )


def may_write_anything(ctx: CallContext) -> bool:
    """Whether confirm/undo make sense for this caller at all."""
    if ctx.api_key_id is not None:
        return Scope.TOOLS_WRITE in ctx.scopes
    return bool(_WRITE_AREAS[ctx.role or Role.READ_ONLY])
