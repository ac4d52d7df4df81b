"""The TwiML answers Hard-E gives Twilio."""

from __future__ import annotations

from typing import Any

from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

VOICE = "Polly.Matthew"

# How the webhooks' answers are documented in OpenAPI (every Twilio webhook shares them).
TWIML_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {}}, "description": "TwiML for Twilio."}
}
UNREADABLE_FORM: dict[int | str, dict[str, Any]] = {400: {"description": "The form could not be read."}}
NOT_SIGNED: dict[int | str, dict[str, Any]] = {403: {"description": "The request is not signed by Twilio."}}


def say_and_hang_up(text: str) -> str:
    response = VoiceResponse()
    response.say(text, voice=VOICE)
    response.hangup()
    return str(response)


def connect_stream(stream_url: str, parameters: dict[str, str]) -> str:
    """Bidirectional audio needs <Connect><Stream> (a <Start><Stream> would be listen-only)."""
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url)
    for name, value in parameters.items():
        stream.parameter(name=name, value=value)
    response.append(connect)
    return str(response)


def dial(number: str, caller_id: str | None, announcement: str | None = None) -> str:
    """Hand the live call to a person."""
    response = VoiceResponse()
    if announcement:
        response.say(announcement, voice=VOICE)
    response.dial(number, caller_id=caller_id)
    return str(response)


def conference(room: str, announcement: str | None = None) -> str:
    """Join a warm transfer's conference (after hearing ``announcement``, for the colleague). It
    starts when the first joins, silently, and ends when either of the two leaves."""
    response = VoiceResponse()
    if announcement:
        response.say(announcement, voice=VOICE)
    dial = Dial()
    dial.conference(
        room, start_conference_on_enter=True, end_conference_on_exit=True, beep=False, wait_url=""
    )
    response.append(dial)
    return str(response)


def stream_url(public_url: str) -> str:
    scheme, _, rest = public_url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/twilio/stream"
