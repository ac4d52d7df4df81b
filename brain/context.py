"""Who is talking, on which channel, in which session: the facts every brain decision starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tenants import Role, Scope


class Channel(StrEnum):
    PHONE = "phone"
    WEBRTC = "webrtc"
    TEXT = "text"
    API = "api"


@dataclass(frozen=True)
class CallContext:
    """One conversation (or one API request) with one tenant.

    People have a ``role``; API keys have ``scopes`` instead and no role. ``user_id`` is None for an
    unknown caller admitted in read-only mode and for API keys.
    """

    tenant_id: str
    session_id: str
    channel: Channel
    role: Role | None = None
    user_id: str | None = None
    user_name: str | None = None
    api_key_id: str | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    needs_pin: bool = False
    """An unknown phone caller who must prove who they are (``verify_pin``) before anything else."""

    @property
    def actor(self) -> str:
        """How the audit log names whoever acted."""
        if self.api_key_id:
            return f"key:{self.api_key_id}"
        if self.user_id:
            return f"user:{self.user_id}"
        return "caller:unknown"

    @property
    def is_voice(self) -> bool:
        return self.channel in (Channel.PHONE, Channel.WEBRTC)
