"""Text messages through Leap's own SMS, so they appear in the customer's conversation in the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, model_validator

from crm_leap.errors import ToolError
from crm_leap.tools.base import Args, ReadTool, ToolContext, WriteResult, WriteTool
from crm_leap.tools.common import phone_digits, quoted, spoken_phone
from crm_leap.tools.views import compact, person_name
from crm_leap.wire import JSON

AREA = "sms"
SMS_MAX_CHARS = 160
_MOBILE_FIRST = ("cell", "phone", "other", "home", "office")


class _Recipient(Args):
    customer_id: int | None = Field(None, description="The customer (their mobile number is used).")
    phone: str | None = Field(None, description="A phone number, any format, when not texting a customer.")

    @model_validator(mode="after")
    def _someone(self) -> _Recipient:
        if self.customer_id is None and not self.phone:
            raise ValueError("give a customer_id or a phone number")
        if self.phone and not 10 <= len(phone_digits(self.phone)) <= 11:
            raise ValueError(f"phone {self.phone!r} should have 10 digits")
        return self


async def recipient(ctx: ToolContext, who: _Recipient) -> tuple[str, str]:
    """The number to text and how to name the recipient back: a given phone wins over the customer's."""
    if who.phone or who.customer_id is None:
        digits = phone_digits(who.phone or "")
        return digits, spoken_phone(digits)
    mobile = await customer_mobile(ctx, who.customer_id)
    return mobile.digits, mobile.said


@dataclass(frozen=True)
class Mobile:
    """A customer's best number for a text, and how to name them."""

    digits: str
    first_name: str
    name: str

    @property
    def said(self) -> str:
        return f"{self.name} at {spoken_phone(self.digits)}"


async def customer_mobile(ctx: ToolContext, customer_id: int) -> Mobile:
    """The customer's mobile (else their first other number), or a ``ToolError`` saying they have none."""
    customer = await ctx.leap.get_customer(customer_id, includes=("phones",))
    name = person_name(customer) or f"customer {customer_id}"
    phones = customer.get("phones") or []
    ranked = sorted(
        phones,
        key=lambda phone: (
            _MOBILE_FIRST.index(phone.get("label"))
            if phone.get("label") in _MOBILE_FIRST
            else len(_MOBILE_FIRST)
        ),
    )
    if not ranked or not ranked[0].get("number"):
        raise ToolError(f"{name} has no phone number in Leap.")
    first = str(customer.get("first_name") or "").strip() or name
    return Mobile(digits=phone_digits(str(ranked[0]["number"])), first_name=first, name=name)


def message_view(message: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": message.get("id"),
            "at": message.get("created_at"),
            "direction": message.get("direction"),
            "from": person_name(message.get("sender")) if message.get("direction") == "outbound" else None,
            "text": message.get("content"),
        }
    )


class SendTextArgs(_Recipient):
    message: str = Field(
        min_length=1, max_length=SMS_MAX_CHARS, description="The text, at most 160 characters."
    )
    job_id: int | None = Field(None, description="The job the text is about; files it on the job.")


class ResolvedText(BaseModel):
    phone_number: str
    recipient: str
    message: str
    customer_id: int | None
    job_id: int | None


class SendText(WriteTool[SendTextArgs, ResolvedText]):
    name = "send_text"
    area = AREA
    description = (
        "Send a text message (SMS, max 160 characters) through Leap to a customer or phone number. "
        "Cannot be undone. Customers who opted out cannot be texted."
    )
    args_model = SendTextArgs
    resolved_model = ResolvedText

    async def plan(self, ctx: ToolContext, args: SendTextArgs) -> tuple[str, ResolvedText]:
        number, named = await recipient(ctx, args)
        resolved = ResolvedText(
            phone_number=number,
            recipient=named,
            message=args.message,
            customer_id=args.customer_id,
            job_id=args.job_id,
        )
        return f"Text {named}: {quoted(args.message, SMS_MAX_CHARS)}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedText) -> WriteResult:
        sent = await ctx.leap.send_text(
            phone_number=resolved.phone_number,
            message=resolved.message,
            customer_id=resolved.customer_id,
            job_id=resolved.job_id,
        )
        return WriteResult(result={"message_id": sent.get("id"), "to": resolved.recipient}, undo=None)


class TextHistoryArgs(_Recipient):
    limit: int = Field(10, ge=1, le=50, description="How many of the latest messages.")


class TextHistory(ReadTool[TextHistoryArgs]):
    name = "text_history"
    area = AREA
    description = "The latest text messages exchanged with a customer or phone number, oldest first."
    args_model = TextHistoryArgs

    async def handle(self, ctx: ToolContext, args: TextHistoryArgs) -> dict[str, Any]:
        by_phone = phone_digits(args.phone) if args.phone else None
        threads = await ctx.leap.list_text_threads(customer_id=args.customer_id, phone_number=by_phone)
        if not threads.items:
            return {"messages": [], "note": "No text messages with them in Leap."}
        thread_id = int(threads.items[0]["id"])
        first = await ctx.leap.list_thread_messages(thread_id, limit=args.limit)
        pages = [first]
        if first.has_more:  # the thread runs oldest first: the latest are on the last page or two
            last = await ctx.leap.list_thread_messages(thread_id, limit=args.limit, page=first.total_pages)
            pages = [last]
            if len(last.items) < args.limit:
                before = first
                if first.total_pages > 2:
                    before = await ctx.leap.list_thread_messages(
                        thread_id, limit=args.limit, page=first.total_pages - 1
                    )
                pages = [before, last]
        messages = [message for page in pages for message in page.items][-args.limit :]
        return {
            "phone": spoken_phone(str(threads.items[0].get("phone_number") or "")),
            "total": first.total,
            "messages": [message_view(message) for message in messages],
        }
