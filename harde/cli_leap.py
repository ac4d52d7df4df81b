"""`harde leap check`: which endpoints a tenant's Leap account answers, as a table.

Registered by the main CLI with ``app.add_typer(leap_app, name="leap")``. Exit codes as for the
rest of the CLI: 0 the check ran (whatever it found), 1 it could not run (no such tenant, no Leap
key, Leap refused the token or did not answer; message on stderr), 2 bad usage.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from crm_leap import CapabilityReport, CapabilityStore, LeapConnector, LeapError, LeapNotConnected
from crm_leap.capabilities import PROBES, Answer
from crm_leap.capabilities import check as check_capabilities
from harde.cli_common import Session, out, run
from tenants import CrmMode

leap_app = typer.Typer(help="Check a tenant's Leap account.", no_args_is_help=True)

TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id.")]

_ANSWER_STYLE = {
    Answer.YES: "[green]yes[/green]",
    Answer.NO: "[red]no[/red]",
    Answer.UNKNOWN: "[yellow]?[/yellow]",
}


@leap_app.command("check")
def check(tenant: TenantOption) -> None:
    """Ask the tenant's Leap which endpoints its account answers and print the table.

    Read-only: one GET per capability (a write-only route is recognised by Leap's 405), nothing is
    ever written. The answers are stored for the tenant, as the daily check stores them, so tools
    whose endpoint is missing stop being offered to Claude at once. "?" means Leap could not say
    (busy or down): those tools stay offered.
    """
    report = run(lambda session: _check(session, tenant), errors=(LeapError, LeapNotConnected))
    out.print(_table(report))
    missing = [probe for probe in PROBES if report.lacks(probe.capability)]
    if missing:
        tools = ", ".join(tool for probe in missing for tool in probe.tools)
        out.print(f"Not offered for {tenant}: {tools}.")
    else:
        out.print(f"Every tool is offered for {tenant}.")


async def _check(session: Session, tenant_id: str) -> CapabilityReport:
    tenant = await session.tenants.get_tenant(tenant_id)
    sandbox_app = None
    if tenant.crm is CrmMode.SANDBOX:
        from leap_sandbox import create_sandbox_app

        sandbox_app = create_sandbox_app()
    connector = LeapConnector(
        session.redis, session.tenants, leap_base_url=session.settings.leap_base_url, sandbox_app=sandbox_app
    )
    try:
        crm = await connector.tool_context(
            tenant.id, name=tenant.name, timezone=tenant.timezone, sandbox=sandbox_app is not None
        )
        report = await check_capabilities(crm.leap)
    finally:
        await connector.aclose()
    await CapabilityStore(session.redis).save(tenant.id, report)
    return report


def _table(report: CapabilityReport) -> Table:
    table = Table("capability", "endpoint checked", "Leap publishes it", "this account", "tools")
    for probe in PROBES:
        answer = report.answers.get(probe.capability, Answer.UNKNOWN)
        table.add_row(
            probe.capability.value,
            f"GET {probe.path}",
            "published" if probe.published else "unpublished",
            _ANSWER_STYLE[answer],
            ", ".join(probe.tools),
        )
    return table
