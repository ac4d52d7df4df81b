"""Hanging up and transferring: what the pipeline does itself, and the part a transport must do.

The pipeline owns the choreography: say the goodbye (or "transferring you to Mike"), wait until that
audio has gone out, then end the worker. A warm transfer first rings the colleague while the caller
stays on the line with Hard-E: when they answer they hear one sentence about the call, and only
then is the caller told and joined to them; when they do not, the caller is told and the
conversation goes on. The transport-specific steps (ring, join, or hand over cold) are all a
transport implements: ``Transferrer``. Telephony implements it with Twilio; browser calls have no
one to transfer to and pass nothing (``NoTransfers``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from pipeline.briefing import CallPurpose
from pipeline.phrases import GOODBYE, not_answered, putting_through, transfer_summary, transferring
from pipeline.record import EndReason

log = logging.getLogger(__name__)


class TransferRefused(Exception):
    """The call cannot go there; the message says why, for Claude to tell the caller."""


class Transferrer(Protocol):
    async def target(self, to: str) -> str:
        """Who ``to`` (a colleague's name, or "office") is, as the caller should hear it
        ("Mike Alvarez", "the office"). Raises ``TransferRefused`` when the call cannot go there."""
        ...

    async def transfer(self, to: str, reason: str) -> None:
        """Hand the call to ``to`` now (cold). The caller has heard the transfer line; the pipeline
        ends right after this returns, so a transport that hangs up when its pipeline ends
        must not hang up a call it has just transferred."""
        ...

    async def ring(self, to: str, summary: str) -> bool:
        """Call ``to`` while the caller stays with Hard-E; True once they answered and are hearing
        ``summary`` (they then wait for the caller), False when they did not answer."""
        ...

    async def join(self) -> None:
        """Join the caller to the colleague ``ring`` reached. Called once the caller has heard
        that they are being put through; the pipeline ends right after, as for ``transfer``."""
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

    async def ring(self, to: str, summary: str) -> bool:
        raise TransferRefused("This call can't be transferred.")

    async def join(self) -> None:
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
        self,
        *,
        finish: Finish,
        transferrer: Transferrer,
        reply_has_words: Callable[[], bool],
        say: Callable[[str], Awaitable[None]],
        in_background: Callable[[Coroutine[Any, Any, None]], None],
        caller_name: Callable[[], str | None],
    ) -> None:
        self._finish = finish
        self._transferrer = transferrer
        self._reply_has_words = reply_has_words
        self._say = say
        self._in_background = in_background
        self._caller_name = caller_name
        self._ringing = False

    async def end_call(self, reason: str) -> str:
        # Claude usually says goodbye in the same reply; otherwise the caller hears ours.
        line = None if self._reply_has_words() else GOODBYE
        if not await self._finish(EndReason.BOT_HUNG_UP, line=line):
            return "The call is already ending."
        return "The call ends as soon as your goodbye has been heard. Say nothing more."

    async def transfer(self, to: str, reason: str, *, warm: bool = True) -> str:
        try:
            who = await self._transferrer.target(to)
        except TransferRefused as refused:
            return str(refused)
        if warm:
            return self._call_ahead(to, who, reason)

        async def hand_over() -> None:
            await self._transferrer.transfer(to, reason)

        if not await self._finish(EndReason.TRANSFERRED, line=transferring(who), before_end=hand_over):
            return "The call is already ending."
        return f"The caller is being transferred to {who}. Say nothing more."

    def _call_ahead(self, to: str, who: str, reason: str) -> str:
        if self._ringing:
            return "You are already calling someone for this caller; wait for them to answer."
        self._ringing = True
        self._in_background(self._warm(to, who, transfer_summary(who, self._caller_name(), reason)))
        return (
            f"Hard-E is calling {who} now and will tell them what this is about; the caller stays with you "
            f"until {who} answers, and you will both hear when they do or do not. Tell the caller in a few "
            "words that you are getting them on the line."
        )

    async def _warm(self, to: str, who: str, summary: str) -> None:
        """Ring the colleague; join the caller when they answer, else tell the caller and go on."""
        try:
            answered = await self._transferrer.ring(to, summary)
        except TransferRefused as refused:
            log.warning("warm transfer to %s refused: %s", who, refused)
            answered = False
        except Exception:
            log.exception("warm transfer to %s failed", who)
            answered = False
        self._ringing = False
        if not answered:
            await self._say(not_answered(who))
            return
        join = self._transferrer.join
        await self._finish(EndReason.TRANSFERRED, line=putting_through(who), before_end=join)
