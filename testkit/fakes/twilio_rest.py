"""Wire-level fake of the parts of Twilio's REST API Hard-E uses, for the real twilio SDK.

- ``POST /2010-04-01/Accounts/{sid}/Calls.json``: place a call (recorded; needs ``Url`` or
  ``Twiml``, 400 with code 21205 otherwise). The test says what the person called does:
  ``answer`` fetches the call's ``Url`` as Twilio does (signed, with the call's form fields) and
  plays the TwiML it returns (what the person hears, the conference they join);
  ``not_answered`` ends it and posts its ``StatusCallback`` (``no-answer``, ``busy``...).
  Without ``deliver_to`` the test plays Twilio's part by calling the webhooks itself.
- ``POST .../Calls/{CallSid}.json``: update a live call (``Twiml``, ``Url`` or ``Status``); a call
  the fake does not know, or one that ended, answers 404 with Twilio's code 20404. TwiML that
  ``<Dial>``s a ``<Conference>`` puts the call in that conference (``in_conference``).
- ``GET .../IncomingPhoneNumbers.json?PhoneNumber=`` and ``POST .../IncomingPhoneNumbers/{sid}.json``.
Requests need HTTP Basic auth with the configured account sid and token (401 code 20003 otherwise).
"""

from __future__ import annotations

import base64
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from twilio.request_validator import RequestValidator

API = "/2010-04-01/Accounts/{account}"


@dataclass
class FakeCall:
    sid: str
    to: str = ""
    from_: str = ""
    status: str = "in-progress"
    updates: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    status_callback: str = ""
    heard: list[str] = field(default_factory=list)  # what <Say> told the person on this call
    conference: str | None = None  # the conference the call was put in, if any

    def play(self, twiml: str) -> None:
        """Follow TwiML as far as Hard-E uses it: <Say> is heard, <Dial><Conference> joins."""
        root = ET.fromstring(twiml)  # noqa: S314 - TwiML from the app under test
        self.heard += [say.text or "" for say in root.iter("Say")]
        for room in root.iter("Conference"):
            self.conference = room.text or ""


@dataclass
class FakeNumber:
    sid: str
    phone_number: str
    voice_url: str = ""
    status_callback: str = ""


def _error(status: int, code: int, message: str) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status)


class FakeTwilioRest:
    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-auth-token") -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.calls: dict[str, FakeCall] = {}
        self.numbers: dict[str, FakeNumber] = {}
        self.created: list[dict[str, str]] = []
        self.deliver_to: tuple[str, str] | None = None  # (public URL, where the app really listens)
        self.app = self._build()

    def in_conference(self, room: str) -> set[str]:
        return {
            call.sid for call in self.calls.values() if call.conference == room and call.status != "completed"
        }

    async def answer(self, call_sid: str) -> str:
        """The person picks up: fetch the call's ``Url`` as Twilio does and play what it returns."""
        call = self.calls[call_sid]
        call.status = "in-progress"
        twiml = await self._webhook(call.url, call, CallStatus="in-progress")
        call.play(twiml)
        return twiml

    async def not_answered(self, call_sid: str, status: str = "no-answer") -> None:
        """Nobody picks up: the call ends with ``status`` and its status callback is told."""
        call = self.calls[call_sid]
        call.status = status
        if call.status_callback:
            await self._webhook(call.status_callback, call, CallStatus=status, CallDuration="0")

    async def _webhook(self, url: str, call: FakeCall, **fields: str) -> str:
        assert self.deliver_to is not None, "set deliver_to = (public URL, app URL) first"
        public, local = self.deliver_to
        form = {"AccountSid": self.account_sid, "CallSid": call.sid, "From": call.from_, "To": call.to,
                "Direction": "outbound-api", "ApiVersion": "2010-04-01", **fields}  # fmt: skip
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        async with httpx.AsyncClient() as http:
            response = await http.post(
                local + url.removeprefix(public), data=form, headers={"X-Twilio-Signature": signature}
            )
        response.raise_for_status()
        return response.text

    def live_call(self, call_sid: str, *, to: str = "", from_: str = "") -> FakeCall:
        """Tell the fake about a call a simulated caller placed, so updates to it succeed."""
        call = FakeCall(call_sid, to=to, from_=from_)
        self.calls[call_sid] = call
        return call

    def end_call(self, call_sid: str) -> None:
        self.calls[call_sid].status = "completed"

    def own_number(self, phone_number: str) -> FakeNumber:
        number = FakeNumber(f"PN{secrets.token_hex(16)}", phone_number)
        self.numbers[number.sid] = number
        return number

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization", "") == f"Basic {expected}"

    def _call_json(self, call: FakeCall) -> dict[str, Any]:
        return {
            "sid": call.sid, "account_sid": self.account_sid, "to": call.to, "from": call.from_,
            "status": call.status, "direction": "outbound-api", "api_version": "2010-04-01",
        }  # fmt: skip

    def _number_json(self, number: FakeNumber) -> dict[str, Any]:
        return {
            "sid": number.sid, "account_sid": self.account_sid, "phone_number": number.phone_number,
            "voice_url": number.voice_url, "voice_method": "POST", "status_callback": number.status_callback,
            "status_callback_method": "POST",
        }  # fmt: skip

    def _build(self) -> FastAPI:
        app = FastAPI(title="fake Twilio REST")

        @app.middleware("http")
        async def auth(request: Request, call_next: Any) -> Any:
            if not self._authorised(request):
                return _error(401, 20003, "Authenticate")
            return await call_next(request)

        @app.post(API + "/Calls.json")
        async def create_call(request: Request, account: str) -> JSONResponse:
            form = {key: str(value) for key, value in (await request.form()).items()}
            if not (form.get("Url") or form.get("Twiml")):
                return _error(400, 21205, "Url parameter is required.")
            self.created.append(form)
            call = FakeCall(f"CA{secrets.token_hex(16)}", to=form.get("To", ""), from_=form.get("From", ""))
            call.status = "queued"
            call.url, call.status_callback = form.get("Url", ""), form.get("StatusCallback", "")
            self.calls[call.sid] = call
            return JSONResponse(self._call_json(call), status_code=201)

        @app.post(API + "/Calls/{call_sid}.json")
        async def update_call(request: Request, account: str, call_sid: str) -> JSONResponse:
            call = self.calls.get(call_sid)
            if call is None or call.status == "completed":
                return _error(404, 20404, f"The requested resource /Calls/{call_sid}.json was not found")
            form = {key: str(value) for key, value in (await request.form()).items()}
            call.updates.append(form)
            # Twilio: "canceled" stops a call that is still queued or ringing, and nothing else.
            if form.get("Status") == "completed" or (
                form.get("Status") == "canceled" and call.status in ("queued", "ringing")
            ):
                call.status = "completed"
            if form.get("Twiml"):
                call.play(form["Twiml"])
            return JSONResponse(self._call_json(call))

        @app.get(API + "/IncomingPhoneNumbers.json")
        async def list_numbers(account: str, PhoneNumber: str = "") -> JSONResponse:
            found = [self._number_json(n) for n in self.numbers.values() if n.phone_number == PhoneNumber]
            return JSONResponse(
                {"incoming_phone_numbers": found, "page": 0, "page_size": 50, "next_page_uri": None,
                 "previous_page_uri": None, "first_page_uri": None, "uri": "", "start": 0, "end": len(found)}
            )  # fmt: skip

        @app.post(API + "/IncomingPhoneNumbers/{number_sid}.json")
        async def update_number(request: Request, account: str, number_sid: str) -> JSONResponse:
            number = self.numbers.get(number_sid)
            if number is None:
                return _error(404, 20404, "The requested resource was not found")
            form = {key: str(value) for key, value in (await request.form()).items()}
            number.voice_url = form.get("VoiceUrl", number.voice_url)
            number.status_callback = form.get("StatusCallback", number.status_callback)
            return JSONResponse(self._number_json(number))

        return app
