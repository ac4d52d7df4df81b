"""The CRM tools: every Leap capability Hard-E offers, each with a schema, a tier and handlers.

``registry()`` maps tool name -> tool. Read tools answer with ``run``; write and restricted tools
go through ``prepare`` (the one-line summary to confirm) and ``execute``; ``run_undo`` reverts a
change from the ``Undo`` that ``execute`` returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from crm_leap.errors import ToolError
from crm_leap.tools import (
    appointments,
    company,
    customers,
    documents,
    emails,
    financials,
    jobs,
    notes,
    paperwork,
    production,
    proposals,
    reports,
    tasks,
    texts,
)
from crm_leap.tools.base import (
    Args,
    PreparedWrite,
    ReadTool,
    RestrictedTool,
    Tier,
    Tool,
    ToolContext,
    ToolInputError,
    Undo,
    WriteResult,
    WriteTool,
)

_TOOLS: tuple[Tool[Any], ...] = (
    customers.FindCustomer(),
    customers.GetCustomer(),
    customers.CreateCustomer(),
    customers.CreateProspect(),
    jobs.FindJobs(),
    jobs.JobOverview(),
    jobs.ChangeJobStage(),
    jobs.ArchiveJob(),
    notes.ListJobNotes(),
    notes.AddJobNote(),
    emails.ListEmails(),
    emails.ReadEmail(),
    emails.SendEmail(),
    texts.SendText(),
    texts.TextHistory(),
    proposals.ListProposals(),
    appointments.ListAppointments(),
    appointments.CreateAppointment(),
    appointments.UpdateAppointment(),
    appointments.CancelAppointment(),
    financials.JobFinancials(),
    financials.RecordPayment(),
    reports.CompanyFinancials(),
    tasks.ListTasks(),
    tasks.CreateTask(),
    tasks.AssignTask(),
    tasks.CompleteTask(),
    documents.ListDocuments(),
    documents.ListWorksheets(),
    paperwork.FindDocuments(),
    paperwork.SendDocument(),
    production.ProductionSchedule(),
    production.FindSubcontractors(),
    company.CompanyConfig(),
)

ALL_TOOLS: Mapping[str, Tool[Any]] = MappingProxyType({tool.name: tool for tool in _TOOLS})
if len(ALL_TOOLS) != len(_TOOLS):
    raise RuntimeError("two CRM tools share a name")


def registry() -> Mapping[str, Tool[Any]]:
    """Every CRM tool by name (read-only)."""
    return ALL_TOOLS


async def run_undo(ctx: ToolContext, undo: Undo) -> str:
    """Revert the change ``undo`` describes; returns what was done, for the user."""
    tool = ALL_TOOLS.get(undo.op)
    if not isinstance(tool, WriteTool):
        raise ToolError(f"I don't know how to undo '{undo.op}'.")
    return await tool.undo(ctx, undo.args)


__all__ = [
    "ALL_TOOLS",
    "Args",
    "PreparedWrite",
    "ReadTool",
    "RestrictedTool",
    "Tier",
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolInputError",
    "Undo",
    "WriteResult",
    "WriteTool",
    "registry",
    "run_undo",
]
