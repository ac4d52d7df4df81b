"""Email through Leap, so it lands in the customer's and job's history like one sent from the app."""

from __future__ import annotations

import html
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, model_validator

from crm_leap.errors import ToolError
from crm_leap.tools.base import Args, ReadTool, ToolContext, WriteResult, WriteTool
from crm_leap.tools.common import EmailAddress, quoted
from crm_leap.tools.views import BODY_CHARS, compact, person_name, plain_text, trim
from crm_leap.wire import JSON

AREA = "email"
SNIPPET_CHARS = 140
_EMAIL_ADAPTER: TypeAdapter[str] = TypeAdapter(EmailAddress)


def _addresses(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    return [str(item) for item in value or []]


def email_brief(email: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": email.get("id"),
            "subject": email.get("subject"),
            "from": email.get("from"),
            "to": _addresses(email.get("to")),
            "at": email.get("created_at"),
            "direction": email.get("status"),
            "unread": True if email.get("is_read") in (0, "0", False) else None,
            "snippet": trim(plain_text(email.get("content")), SNIPPET_CHARS),
        }
    )


def valid_email(text: str) -> str:
    """``text`` as an email address, or a ``ToolError`` saying it is not one."""
    try:
        return _EMAIL_ADAPTER.validate_python(text)
    except ValidationError:
        raise ToolError(f"{text!r} is not an email address.") from None


def as_html(text: str) -> str:
    """Plain text as simple HTML paragraphs (Leap sends HTML email)."""
    paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
    return "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)


class ListEmailsArgs(Args):
    job_id: int | None = Field(None, description="Only emails about this job.")
    customer_id: int | None = Field(None, description="Only emails with this customer.")
    keyword: str | None = Field(None, description="Words in the subject, body or addresses.")
    limit: int = Field(10, ge=1, le=30)


class ListEmails(ReadTool[ListEmailsArgs]):
    name = "list_emails"
    area = AREA
    description = (
        "Recent emails in Leap (sent and received), newest first, for a job, a customer or a keyword. "
        "Returns subjects and short snippets; use read_email for the full text."
    )
    args_model = ListEmailsArgs

    async def handle(self, ctx: ToolContext, args: ListEmailsArgs) -> dict[str, Any]:
        page = await ctx.leap.list_emails(
            job_id=args.job_id, customer_id=args.customer_id, keyword=args.keyword, limit=args.limit
        )
        return {"total": page.total, "emails": [email_brief(email) for email in page.items]}


class ReadEmailArgs(Args):
    email_id: int = Field(description="The email's id (from list_emails).")


class ReadEmail(ReadTool[ReadEmailArgs]):
    name = "read_email"
    area = AREA
    description = "One email in full: sender, recipients, subject and body as text."
    args_model = ReadEmailArgs

    async def handle(self, ctx: ToolContext, args: ReadEmailArgs) -> dict[str, Any]:
        email = await ctx.leap.get_email(args.email_id)
        return compact(
            {
                **email_brief(email),
                "snippet": None,
                "cc": _addresses(email.get("cc")),
                "body": trim(plain_text(email.get("content")), BODY_CHARS),
                "customer_id": email.get("customer_id"),
                "job_ids": email.get("job_ids"),
            }
        )


class SendEmailArgs(Args):
    to: list[EmailAddress] = Field(
        default_factory=list, description="Recipient addresses. Leave empty to email the customer on file."
    )
    customer_id: int | None = Field(None, description="The customer the email is to or about.")
    job_id: int | None = Field(None, description="The job the email is about; files it on the job.")
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, description="Plain text; blank lines separate paragraphs.")
    reply_to_email_id: int | None = Field(None, description="Set when answering an email (its id).")

    @model_validator(mode="after")
    def _someone(self) -> SendEmailArgs:
        if not self.to and self.customer_id is None:
            raise ValueError("give recipient addresses in 'to', or a customer_id to email the customer")
        return self


class ResolvedEmail(BaseModel):
    to: list[str]
    subject: str
    html: str
    customer_id: int | None
    job_id: int | None
    reply_to: int | None


class SendEmail(WriteTool[SendEmailArgs, ResolvedEmail]):
    name = "send_email"
    area = AREA
    description = (
        "Send an email from the company's Leap account, filed on the customer and job. Cannot be undone."
    )
    args_model = SendEmailArgs
    resolved_model = ResolvedEmail

    async def plan(self, ctx: ToolContext, args: SendEmailArgs) -> tuple[str, ResolvedEmail]:
        to = list(args.to)
        recipient = ", ".join(to)
        if not to and args.customer_id is not None:
            customer = await ctx.leap.get_customer(args.customer_id, includes=())
            if not customer.get("email"):
                raise ToolError(f"{person_name(customer) or 'That customer'} has no email address in Leap.")
            to = [str(customer["email"])]
            recipient = f"{person_name(customer)} <{to[0]}>"
        resolved = ResolvedEmail(
            to=to,
            subject=args.subject,
            html=as_html(args.body),
            customer_id=args.customer_id,
            job_id=args.job_id,
            reply_to=args.reply_to_email_id,
        )
        return f"Email {recipient}, subject {quoted(args.subject)}: {quoted(args.body)}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedEmail) -> WriteResult:
        email = await ctx.leap.send_email(
            to=resolved.to,
            subject=resolved.subject,
            html=resolved.html,
            customer_id=resolved.customer_id,
            job_id=resolved.job_id,
            reply_to=resolved.reply_to,
        )
        return WriteResult(result={"email_id": email.get("id"), "to": resolved.to}, undo=None)
