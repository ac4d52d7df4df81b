"""Handing a live phone call to a person: the transport-specific steps of a transfer.

Cold: the pipeline says "transferring you to Mike" and waits for it to be heard; then this
redirects the call through Twilio's REST API to ``<Dial>`` the colleague (or the office).
Warm: ``ring`` has Twilio call the colleague while the caller stays with Hard-E
(``telephony.warm_transfer``: they hear one sentence about the call, then wait in a conference);
``join`` redirects the caller into that conference. Either way the serializer is told not to hang
up when the pipeline ends, since the call now belongs to the dial or the conference.
"""

from __future__ import annotations

from core.redis import Redis
from pipeline import TransferRefused
from telephony import twiml, warm_transfer
from telephony.rest import TwilioRest
from telephony.serializer import PhoneSerializer
from telephony.warm_transfer import WarmTransfer
from tenants import Tenant, TenantStore

OFFICE_WORDS = frozenset({"office", "the office", "front desk", "someone", "a person", "a human", "human"})


class TwilioTransferrer:
    def __init__(
        self,
        *,
        rest: TwilioRest | None,
        tenants: TenantStore,
        tenant: Tenant,
        call_sid: str,
        our_number: str,
        serializer: PhoneSerializer,
        redis: Redis,
        public_url: str,
    ) -> None:
        self._rest = rest
        self._tenants = tenants
        self._tenant = tenant
        self._call_sid = call_sid
        self._our_number = our_number
        self._serializer = serializer
        self._redis = redis
        self._public_url = public_url
        self._resolved: dict[str, tuple[str, str]] = {}
        self._reached: tuple[WarmTransfer, str] | None = None  # the transfer and the colleague's call

    async def target(self, to: str) -> str:
        name, _ = await self._resolve(to)
        return name

    async def transfer(self, to: str, reason: str) -> None:
        _, number = await self._resolve(to)
        assert self._rest is not None  # _resolve refuses without it
        self._serializer.keep_call_up()
        if not await self._rest.redirect(self._call_sid, twiml.dial(number, caller_id=self._our_number)):
            raise TransferRefused("The caller has already hung up.")

    async def ring(self, to: str, summary: str) -> bool:
        _, number = await self._resolve(to)
        assert self._rest is not None  # _resolve refuses without it
        transfer = await warm_transfer.open_transfer(self._redis, self._tenant.id, self._call_sid, summary)
        answer_url, status_url = warm_transfer.webhook_urls(self._public_url, transfer)
        colleague = await self._rest.ring(
            to=number, from_=self._our_number, url=answer_url, status_callback=status_url,
            timeout_s=warm_transfer.RING_SECONDS,
        )  # fmt: skip
        try:
            outcome = await warm_transfer.wait_for_outcome(
                self._redis, transfer, warm_transfer.RING_SECONDS + warm_transfer.WAIT_MARGIN_SECONDS
            )
        except BaseException:  # the caller hung up meanwhile, or Redis failed: stop ringing
            await self._rest.cancel(colleague)
            raise
        if outcome != warm_transfer.ANSWERED:
            if outcome is None:  # Twilio never reported: do not leave their phone ringing
                await self._rest.cancel(colleague)
            return False
        self._reached = (transfer, colleague)
        return True

    async def join(self) -> None:
        if self._reached is None or self._rest is None:
            raise TransferRefused("Nobody has been reached to join this call to.")
        transfer, colleague = self._reached
        self._serializer.keep_call_up()
        if not await self._rest.redirect(self._call_sid, twiml.conference(transfer.room)):
            await self._rest.hang_up(colleague)  # nobody is coming: do not leave them waiting
            raise TransferRefused("The caller has already hung up.")

    async def _resolve(self, to: str) -> tuple[str, str]:
        """(who the caller hears, the number to dial) for a colleague's name or the office."""
        if self._rest is None:
            raise TransferRefused(
                "Transfers need Twilio credentials on this Hard-E; offer to take a message."
            )
        wanted = " ".join(to.lower().split())
        if wanted in self._resolved:
            return self._resolved[wanted]
        if wanted in OFFICE_WORDS:
            if not self._tenant.office_phone:
                raise TransferRefused("This company has no office number set up; offer to take a message.")
            found = ("the office", self._tenant.office_phone)
        else:
            found = await self._colleague(wanted)
        self._resolved[wanted] = found
        return found

    async def _colleague(self, wanted: str) -> tuple[str, str]:
        users = await self._tenants.list_users(self._tenant.id)
        matches = [
            user for user in users
            if wanted == user.name.lower() or wanted in user.name.lower().split()
        ]  # fmt: skip
        if not matches:
            raise TransferRefused(f"Nobody called {wanted!r} works here; ask who they mean.")
        if len(matches) > 1:
            names = " and ".join(user.name for user in matches)
            raise TransferRefused(f"Both {names} match; ask which one.")
        user = matches[0]
        if not user.phones:
            raise TransferRefused(f"{user.name} has no phone number on file; offer to take a message.")
        return user.name, user.phones[0]
