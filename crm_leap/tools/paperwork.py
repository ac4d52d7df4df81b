"""A job's paperwork found by name (on a job, or on every job of a customer) and sent to the homeowner
by email (attached) or text (linked).

Listing a job's files and worksheets, and attaching them to an email or text, are not in Leap's
public API (the shapes follow its internal API; see ``LeapClient``).
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from crm_leap.client import Attachment
from crm_leap.errors import ToolError
from crm_leap.names import normalise
from crm_leap.tools.base import Args, ReadTool, ToolContext, WriteResult, WriteTool
from crm_leap.tools.common import (
    fetch_job,
    gather_bounded,
    job_label,
    phone_digits,
    quoted,
    sentence,
    spoken_phone,
)
from crm_leap.tools.documents import AREA
from crm_leap.tools.emails import as_html, valid_email
from crm_leap.tools.texts import SMS_MAX_CHARS, customer_mobile
from crm_leap.tools.views import compact, money, person_name
from crm_leap.wire import JSON

ATTACHMENT_TYPE = {
    "measurement": "measurement",
    "estimate": "estimate",
    "proposal": "proposal",
    "work_order": "workorder",
    "material": "material_list",
    "photo": "resource",
}
"""Document kind -> the attachment type Leap's app sends it as; a worksheet is ``worksheet``."""
MAX_FOUND = 10


def _matches(words: list[str], *texts: Any) -> bool:
    haystack = normalise(" ".join(str(text) for text in texts if text))
    return all(word in haystack for word in words)


async def _jobs_for(ctx: ToolContext, job_id: int | None, customer: str | None) -> list[JSON]:
    if job_id is not None:
        return [await fetch_job(ctx, job_id, includes=("customer",))]
    found = await ctx.leap.all_jobs(customer_name=customer)
    if not found:
        raise ToolError(f"There are no jobs for a customer named {customer} in Leap.")
    return found


async def _paperwork(ctx: ToolContext, job: JSON) -> list[dict[str, Any]]:
    """A job's files and worksheets as one list of findable items."""
    files, sheets = await asyncio.gather(
        ctx.leap.all_job_documents(int(job["id"])), ctx.leap.all_worksheets(int(job["id"]))
    )
    where = {"job_id": job.get("id"), "job": job_label(job)}
    return [
        *(
            {
                "document_id": d.get("id"),
                "kind": d.get("type"),
                "name": d.get("title") or d.get("file_name"),
                "file": d.get("file_name"),
                **where,
            }
            for d in files
        ),
        *(
            {
                "worksheet_id": w.get("id"),
                "kind": f"{w.get('type')} worksheet",
                "name": w.get("name"),
                "total": money(w.get("total")),
                **where,
            }
            for w in sheets
        ),
    ]


class FindDocumentsArgs(Args):
    search: str = Field(
        min_length=1,
        description="Words of the document's or worksheet's name, e.g. 'EagleView', 'gutter estimate'.",
    )
    job_id: int | None = Field(None, description="Look on this job.")
    customer: str | None = Field(None, description="Or look on every job of this customer (name).")

    @model_validator(mode="after")
    def _where(self) -> FindDocumentsArgs:
        if self.job_id is None and not self.customer:
            raise ValueError("say where to look: a job_id, or the customer's name")
        return self


class FindDocuments(ReadTool[FindDocumentsArgs]):
    name = "find_documents"
    area = AREA
    description = (
        "Find a document (measurement report, estimate, proposal, work order, material list, photo) or a "
        "worksheet by its name, on one job or on all of a customer's jobs. Returns document_id or "
        "worksheet_id for send_document."
    )
    args_model = FindDocumentsArgs

    async def handle(self, ctx: ToolContext, args: FindDocumentsArgs) -> dict[str, Any]:
        jobs = await _jobs_for(ctx, args.job_id, args.customer)
        words = normalise(args.search).split()
        every = await gather_bounded(_paperwork(ctx, job) for job in jobs)
        found = [
            item
            for items in every
            for item in items
            if _matches(words, item["name"], item.get("file"), item["kind"])
        ]
        return {"total": len(found), "found": [compact(item) for item in found[:MAX_FOUND]]}


class SendDocumentArgs(Args):
    job_id: int = Field(description="The job the document is on (from find_documents).")
    document_id: int | None = Field(None, description="The document to send (from find_documents).")
    worksheet_id: int | None = Field(None, description="Or the worksheet to send.")
    via: Literal["email", "text"] = Field(description="Send it by email (attached) or by text (linked).")
    to: str | None = Field(
        None,
        description="An email address or phone number; default the job's customer (their email or mobile).",
    )
    message: str | None = Field(
        None,
        min_length=1,
        max_length=SMS_MAX_CHARS,
        description="A short note to go with it; default a standard one.",
    )

    @model_validator(mode="after")
    def _one(self) -> SendDocumentArgs:
        if (self.document_id is None) == (self.worksheet_id is None):
            raise ValueError("give exactly one of document_id or worksheet_id")
        return self


class ResolvedSending(BaseModel):
    via: Literal["email", "text"]
    address: str
    recipient: str
    subject: str
    message: str
    customer_id: int | None
    job_id: int
    attachment_type: str
    attachment_id: int


class SendDocument(WriteTool[SendDocumentArgs, ResolvedSending]):
    name = "send_document"
    area = AREA
    description = (
        "Send a job's document or worksheet to the homeowner (or a given address) by email, attached, or by "
        "text. Find it first with find_documents. Cannot be undone."
    )
    args_model = SendDocumentArgs
    resolved_model = ResolvedSending

    async def plan(self, ctx: ToolContext, args: SendDocumentArgs) -> tuple[str, ResolvedSending]:
        job = await fetch_job(ctx, args.job_id, includes=("customer",))
        item = await self._item(ctx, job, args)
        customer_id = int(job["customer_id"]) if job.get("customer_id") else None
        address, recipient, first = await self._address(ctx, args, customer_id)
        greeting = f"Hi {first}, " if first else ""
        what = f"{item['name']} for {job_label(job)}"
        message = args.message or f"{greeting}here is the {what}. Call us with any questions."
        resolved = ResolvedSending(
            via=args.via,
            address=address,
            recipient=recipient,
            subject=str(item["name"])[:200],
            message=message[:SMS_MAX_CHARS],
            customer_id=customer_id,
            job_id=args.job_id,
            attachment_type=item["type"],
            attachment_id=int(item["id"]),
        )
        verb = "Email" if args.via == "email" else "Text"
        return f"{verb} the {what} to {recipient}: {quoted(resolved.message)}.", resolved

    @staticmethod
    async def _item(ctx: ToolContext, job: JSON, args: SendDocumentArgs) -> dict[str, Any]:
        if args.worksheet_id is not None:
            sheets = await ctx.leap.all_worksheets(int(job["id"]))
            sheet = next((s for s in sheets if s.get("id") == args.worksheet_id), None)
            if sheet is None:
                raise ToolError(f"{sentence(job_label(job))} has no worksheet {args.worksheet_id}.")
            return {"type": "worksheet", "id": sheet["id"], "name": sheet.get("name") or "worksheet"}
        files = await ctx.leap.all_job_documents(int(job["id"]))
        document = next((d for d in files if d.get("id") == args.document_id), None)
        if document is None:
            raise ToolError(f"{sentence(job_label(job))} has no document {args.document_id}.")
        kind = str(document.get("type"))
        if kind not in ATTACHMENT_TYPE:
            raise ToolError(f"Leap cannot send a {kind} file from here.")
        name = document.get("title") or document.get("file_name") or kind
        return {"type": ATTACHMENT_TYPE[kind], "id": document["id"], "name": name}

    @staticmethod
    async def _address(
        ctx: ToolContext, args: SendDocumentArgs, customer_id: int | None
    ) -> tuple[str, str, str | None]:
        """(address, how to name the recipient, their first name if a customer)."""
        if args.to:
            if args.via == "email":
                address = valid_email(args.to)
                return address, address, None
            digits = phone_digits(args.to)
            if not 10 <= len(digits) <= 11:
                raise ToolError(f"{args.to!r} is not a phone number.")
            return digits, spoken_phone(digits), None
        if customer_id is None:
            raise ToolError("That job has no customer in Leap; say who to send it to.")
        if args.via == "text":
            mobile = await customer_mobile(ctx, customer_id)
            return mobile.digits, mobile.said, mobile.first_name
        customer = await ctx.leap.get_customer(customer_id, includes=())
        name = person_name(customer) or f"customer {customer_id}"
        if not customer.get("email"):
            raise ToolError(f"{name} has no email address in Leap; give one, or send it by text.")
        first = str(customer.get("first_name") or "").strip() or None
        return str(customer["email"]), f"{name} <{customer['email']}>", first

    async def apply(self, ctx: ToolContext, resolved: ResolvedSending) -> WriteResult:
        attachment = Attachment(resolved.attachment_type, resolved.attachment_id)
        if resolved.via == "email":
            sent = await ctx.leap.send_email(
                to=[resolved.address],
                subject=resolved.subject,
                html=as_html(resolved.message),
                customer_id=resolved.customer_id,
                job_id=resolved.job_id,
                attachments=[attachment],
            )
        else:
            sent = await ctx.leap.send_text(
                phone_number=resolved.address,
                message=resolved.message,
                customer_id=resolved.customer_id,
                job_id=resolved.job_id,
                media=attachment,
            )
        return WriteResult(
            result={"sent": resolved.via, "id": sent.get("id"), "to": resolved.recipient}, undo=None
        )
