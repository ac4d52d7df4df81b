"""Documents and worksheets on a job: measurement reports, estimates, work orders, material lists."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from crm_leap.tools.base import Args, ReadTool, ToolContext
from crm_leap.tools.views import compact, money
from crm_leap.wire import JSON

AREA = "documents"
DocumentKind = Literal["measurement", "estimate", "proposal", "work_order", "material", "photo"]
WorksheetKind = Literal["profit_loss", "selling_price", "material_list", "estimate", "proposal", "work_order"]


def document_view(document: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": document.get("id"),
            "type": document.get("type"),
            "title": document.get("title") or document.get("file_name"),
            "file": document.get("file_name"),
            "url": document.get("url"),
            "kb": round(int(document["file_size"]) / 1024) if document.get("file_size") else None,
            "added": document.get("created_at"),
        }
    )


def worksheet_view(worksheet: JSON) -> dict[str, Any]:
    return compact(
        {
            "id": worksheet.get("id"),
            "type": worksheet.get("type"),
            "name": worksheet.get("name"),
            "total": money(worksheet.get("total")),
            "lines": worksheet.get("line_count"),
            "updated": worksheet.get("updated_at"),
        }
    )


class ListDocumentsArgs(Args):
    job_id: int = Field(description="The job's Leap id.")
    kind: DocumentKind | None = Field(None, description="Only this kind of document; default all.")
    limit: int = Field(20, ge=1, le=50)


class ListDocuments(ReadTool[ListDocumentsArgs]):
    name = "list_documents"
    area = AREA
    description = (
        "Files on a job, newest first: measurement reports, estimates, proposals, work orders, "
        "material lists, photos. Returns titles, kinds and links."
    )
    args_model = ListDocumentsArgs

    async def handle(self, ctx: ToolContext, args: ListDocumentsArgs) -> dict[str, Any]:
        page = await ctx.leap.list_job_documents(args.job_id, kind=args.kind, limit=args.limit)
        return {"total": page.total, "documents": [document_view(item) for item in page.items]}


class ListWorksheetsArgs(Args):
    job_id: int = Field(description="The job's Leap id.")
    kind: WorksheetKind | None = Field(None, description="Only this kind of worksheet; default all.")
    limit: int = Field(20, ge=1, le=50)


class ListWorksheets(ReadTool[ListWorksheetsArgs]):
    name = "list_worksheets"
    area = AREA
    description = (
        "A job's worksheets (priced line-item sheets): estimate, material list, work order, selling "
        "price, profit and loss, with their totals."
    )
    args_model = ListWorksheetsArgs

    async def handle(self, ctx: ToolContext, args: ListWorksheetsArgs) -> dict[str, Any]:
        page = await ctx.leap.list_worksheets(args.job_id, kind=args.kind, limit=args.limit)
        return {"total": page.total, "worksheets": [worksheet_view(item) for item in page.items]}
