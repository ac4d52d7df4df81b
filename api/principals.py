"""Who a request acts as, once its credential is verified (see ``auth``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tenants import Role, Scope
from tenants.widget_tokens import WidgetClaims


@dataclass(frozen=True)
class Operator:
    """The platform operator: may manage every tenant."""

    actor: Literal["operator"] = "operator"


@dataclass(frozen=True)
class TenantCredential:
    """An API key or a widget session, bound to one tenant."""

    tenant_id: str
    scopes: frozenset[Scope]
    key_id: str | None = None
    user_id: str | None = None
    role: Role | None = None
    widget: WidgetClaims | None = None  # a widget session's token, as checked

    @property
    def actor(self) -> str:
        """How the audit trail names this credential (the brain's ``CallContext.actor`` agrees)."""
        if self.key_id:
            return f"key:{self.key_id}"
        if self.user_id:
            return f"user:{self.user_id}"
        assert self.widget is not None, "a tenant credential is an API key or a widget token"
        return f"widget:{self.widget.session_id}"  # a refresh keeps the session's conversations

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes


Principal = Operator | TenantCredential
