"""Twilio's REST API through the official SDK (async HTTP client): redirect, hang up, dial out,
and point a number at this deployment. The API base URL is configurable so tests run the real
SDK against a local fake."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

log = logging.getLogger(__name__)

CALL_NOT_FOUND = 20404  # Twilio's code for a call that no longer exists (already ended)


@dataclass(frozen=True)
class NumberConfig:
    sid: str
    phone_number: str
    voice_url: str
    status_callback: str


class TwilioRest:
    def __init__(self, account_sid: str, auth_token: str, *, base_url: str | None = None) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._base_url = base_url
        self._client: Client | None = None

    def _api(self) -> Client:
        """Created on first use: the async HTTP client needs a running event loop."""
        if self._client is None:
            self._client = Client(self._account_sid, self._auth_token, http_client=AsyncTwilioHttpClient())
            if self._base_url:
                self._client.api.base_url = self._base_url.rstrip("/")
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            http = self._client.http_client
            if isinstance(http, AsyncTwilioHttpClient) and http.session is not None:
                await http.session.close()
            self._client = None

    async def redirect(self, call_sid: str, twiml: str) -> bool:
        """Replace what the live call is doing with new TwiML; False if the call has ended."""
        try:
            await self._api().calls(call_sid).update_async(twiml=twiml)
        except TwilioRestException as error:
            if error.code == CALL_NOT_FOUND:
                return False
            raise
        return True

    async def hang_up(self, call_sid: str) -> bool:
        try:
            await self._api().calls(call_sid).update_async(status="completed")
        except TwilioRestException as error:
            if error.code == CALL_NOT_FOUND:
                return False
            raise
        return True

    async def dial(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """Place an outbound call whose answer fetches ``url`` (our voice webhook); returns its sid."""
        call = await self._api().calls.create_async(
            to=to, from_=from_, url=url, status_callback=status_callback,
            status_callback_event=["initiated", "answered", "completed"],
        )  # fmt: skip
        return str(call.sid)

    async def ring(self, *, to: str, from_: str, url: str, status_callback: str, timeout_s: int) -> str:
        """Call a colleague for a warm transfer: ``url`` answers with what they hear; the status
        callback reports a call that was never answered (``no-answer``, ``busy``, ``failed``)."""
        call = await self._api().calls.create_async(
            to=to, from_=from_, url=url, status_callback=status_callback,
            status_callback_event=["completed"], timeout=timeout_s,
        )  # fmt: skip
        return str(call.sid)

    async def cancel(self, call_sid: str) -> bool:
        """Stop a call that is still ringing (or hang it up if it was answered meanwhile)."""
        try:
            await self._api().calls(call_sid).update_async(status="canceled")
        except TwilioRestException as error:
            if error.code == CALL_NOT_FOUND:
                return False
            raise
        return await self.hang_up(call_sid)

    async def point_number(self, phone_number: str, *, voice_url: str, status_url: str) -> NumberConfig:
        """Set a number's voice and status webhooks; the number must be in this Twilio account."""
        numbers = await self._api().incoming_phone_numbers.list_async(phone_number=phone_number, limit=1)
        if not numbers:
            raise LookupError(f"{phone_number} is not a number of this Twilio account")
        updated = await numbers[0].update_async(
            voice_url=voice_url,
            voice_method="POST",
            status_callback=status_url,
            status_callback_method="POST",
        )
        return NumberConfig(
            sid=str(updated.sid),
            phone_number=str(updated.phone_number),
            voice_url=str(updated.voice_url),
            status_callback=str(updated.status_callback),
        )
