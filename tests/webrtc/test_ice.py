"""ICE servers from settings: TURN credentials as coturn's REST API checks them."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from pydantic import SecretStr

from core.settings import Settings, SettingsError, load_settings
from webrtc.ice import ice_plan, turn_credential


def test_a_turn_credential_is_what_coturn_recomputes_from_its_secret() -> None:
    found = turn_credential("s3cret", "wb_1", ttl_seconds=600, now=1_700_000_000)
    assert found.username == "1700000600:wb_1"
    expected = base64.b64encode(hmac.new(b"s3cret", b"1700000600:wb_1", hashlib.sha1).digest()).decode()
    assert found.credential == expected


def test_the_browser_and_the_server_get_the_same_servers() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, stun_urls=("stun:turn.example.com:3478",),
        turn_urls=("turns:turn.example.com:443?transport=tcp",), turn_secret=SecretStr("s3cret"),
    )  # fmt: skip
    plan = ice_plan(settings, "wb_1")
    browser = plan.for_browser()["iceServers"]
    assert browser[0] == {"urls": ["stun:turn.example.com:3478"]}
    assert browser[1]["urls"] == ["turns:turn.example.com:443?transport=tcp"]
    assert browser[1]["username"].endswith(":wb_1") and browser[1]["credential"]
    assert [server.urls for server in plan.servers] == [entry["urls"] for entry in browser]


def test_turn_without_its_secret_stops_start_up_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDE_TURN_URLS", "turn:turn.example.com:3478")
    with pytest.raises(SettingsError, match="HARDE_TURN_SECRET"):
        load_settings()
    monkeypatch.setenv("HARDE_TURN_URLS", "http://turn.example.com")
    monkeypatch.setenv("HARDE_TURN_SECRET", "s3cret")
    with pytest.raises(SettingsError, match="turn: or turns:"):
        load_settings()
