"""ICE servers for a browser call: STUN as configured, and TURN with time-limited credentials.

TURN credentials follow coturn's REST API scheme (``use-auth-secret``): the username is
``"<expiry unix time>:<id>"`` and the password is base64(HMAC-SHA1(shared secret, username)).
coturn checks both without asking us, and refuses them after the expiry, so a credential handed
to one browser cannot be reused for long. The same servers go to the browser (``iceConfig``) and
to our side of the peer connection, as relays only work when both peers know them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from pipecat.transports.smallwebrtc.connection import IceServer

from core.settings import Settings


@dataclass(frozen=True)
class TurnCredential:
    username: str
    credential: str


def turn_credential(
    secret: str, peer_id: str, *, ttl_seconds: int, now: float | None = None
) -> TurnCredential:
    """coturn's REST API credential for ``peer_id``, valid for ``ttl_seconds`` from ``now``."""
    expiry = int((time.time() if now is None else now) + ttl_seconds)
    username = f"{expiry}:{peer_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredential(username, base64.b64encode(digest).decode())


@dataclass(frozen=True)
class IcePlan:
    """The ICE servers of one browser call, in the two shapes its two peers need."""

    servers: tuple[IceServer, ...]

    def for_browser(self) -> dict[str, Any]:
        """``iceConfig`` as client-js hands it to ``RTCPeerConnection``."""
        entries: list[dict[str, Any]] = []
        for server in self.servers:
            entry: dict[str, Any] = {"urls": server.urls}
            if server.username is not None:
                entry["username"] = server.username
                entry["credential"] = server.credential
            entries.append(entry)
        return {"iceServers": entries}


def ice_plan(settings: Settings, peer_id: str) -> IcePlan:
    """STUN and TURN for a call whose peer is known as ``peer_id`` (a session id, never a secret)."""
    servers: list[IceServer] = []
    if settings.stun_urls:
        servers.append(IceServer(urls=list(settings.stun_urls)))
    if settings.turn_urls and settings.turn_secret is not None:
        found = turn_credential(
            settings.turn_secret.get_secret_value(), peer_id, ttl_seconds=settings.turn_ttl_seconds
        )
        servers.append(
            IceServer(urls=list(settings.turn_urls), username=found.username, credential=found.credential)
        )
    return IcePlan(tuple(servers))
