"""Who a request acts as, once its credential is verified (see ``auth``), and what a signed-in
person's role lets them do through the API (``ROLE_SCOPES``; the web app only mirrors it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from tenants import Role, Scope
from tenants.widget_tokens import WidgetClaims


@dataclass(frozen=True)
class Operator:
    """The platform operator: may manage every tenant."""

    actor: Literal["operator"] = "operator"


_ALL: Final = frozenset(Scope)
_SEE: Final = frozenset({Scope.TOOLS_READ, Scope.CONVERSATIONS})

ROLE_SCOPES: Final[dict[Role, frozenset[Scope]]] = {
    Role.OWNER: _ALL,
    Role.MANAGER: _ALL,
    Role.SALES_REP: _SEE | {Scope.TOOLS_WRITE, Scope.KNOWLEDGE},
    Role.CREW: _SEE,
    Role.READ_ONLY: _SEE,
}
"""What a person signed in to the web app may do, by role, in the scopes API keys use. The brain's
role matrix still decides, tool by tool, what each role may see and change."""


@dataclass(frozen=True)
class TenantCredential:
    """An API key, a widget session or a signed-in person's web session, bound to one tenant."""

    tenant_id: str
    scopes: frozenset[Scope]
    key_id: str | None = None
    user_id: str | None = None
    role: Role | None = None
    widget: WidgetClaims | None = None  # a widget session's token, as checked
    web_session: str | None = None  # a signed-in person's session id (cookie)

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
