"""Hanging up and transferring: what the pipeline does itself, and the one part a transport must do.

The pipeline owns the choreography: say the goodbye (or "transferring you to Mike"), wait until that
audio has gone out, then end the worker. The only transport-specific step is handing a phone call
to someone else, so that is all a transport implements: ``Transferrer``. Telephony implements it
with Twilio; browser calls have no one to transfer to and pass nothing (``NoTransfers``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from pipeline.briefing import CallPurpose
from pipeline.phrases import GOODBYE, transferring
from pipeline.record import EndReason


class TransferRefused(Exception):
    """The call cannot go there; the message says why, for Claude to tell the caller."""


class Transferrer(Protocol):
    async def target(self, to: str) -> str:
        """Who ``to`` (a colleague's name, or "office") is, as the caller should hear it
        ("Mike Alvarez", "the office"). Raises ``TransferRefused`` when the call cannot go there."""
        ...

    async def transfer(self, to: str, reason: str) -> None:
        """Hand the call to ``to`` now. The caller has heard the transfer line; the pipeline
        ends right after this returns, so a transport that hangs up when its pipeline ends
        must not hang up a call it has just transferred."""
        ...


class CallNotPlaced(Exception):
    """An outbound call could not be placed; the message says what to fix."""


class Dialer(Protocol):
    """Places outbound calls that then run through the pipeline (telephony implements it)."""

    async def call_user(
        self, tenant_id: str, user_id: str, purpose: CallPurpose = CallPurpose.CHECK_IN
    ) -> str:
        """Ring one of the tenant's users for ``purpose``; returns the provider's call id."""
        ...


class NoTransfers:
    """Calls that cannot be handed over (browser calls)."""

    async def target(self, to: str) -> str:
        raise TransferRefused(
            "This call can't be transferred. Offer to take a message or give them the number instead."
        )

    async def transfer(self, to: str, reason: str) -> None:
        raise TransferRefused("This call can't be transferred.")


class Finish(Protocol):
    async def __call__(
        self, reason: EndReason, *, line: str | None, before_end: Callable[[], Awaitable[None]] | None = None
    ) -> bool:
        """Start ending the call: ``line`` is heard, then ``before_end`` runs, then the worker
        ends. False when the call is already ending."""
        ...


class LiveCallControl:
    """``brain.CallControl`` for a live call: the end_call and transfer_call tools land here."""

    def __init__(
        self, *, finish: Finish, transferrer: Transferrer, reply_has_words: Callable[[], bool]
    ) -> None:
        self._finish = finish
        self._transferrer = transferrer
        self._reply_has_words = reply_has_words

    async def end_call(self, reason: str) -> str:
        # Claude usually says goodbye in the same reply; otherwise the caller hears ours.
        line = None if self._reply_has_words() else GOODBYE
        if not await self._finish(EndReason.BOT_HUNG_UP, line=line):
            return "The call is already ending."
        return "The call ends as soon as your goodbye has been heard. Say nothing more."

    async def transfer(self, to: str, reason: str) -> str:
        try:
            who = await self._transferrer.target(to)
        except TransferRefused as refused:
            return str(refused)

        async def hand_over() -> None:
            await self._transferrer.transfer(to, reason)

        if not await self._finish(EndReason.TRANSFERRED, line=transferring(who), before_end=hand_over):
            return "The call is already ending."
        return f"The caller is being transferred to {who}. Say nothing more."
