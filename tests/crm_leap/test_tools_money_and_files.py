"""Financials (read, and the restricted payment), proposals, documents, worksheets and company setup."""

from __future__ import annotations

import pytest

from crm_leap import ToolError, registry, run_undo
from crm_leap.tools import Tier
from tests.crm_leap.conftest import job_in, run, said

TOOLS = registry()


async def test_job_financials_has_summary_invoices_and_payments(ctx, leap):
    job = await job_in(ctx, "Invoiced")

    money = await run(ctx, "job_financials", job_id=job["id"])

    summary = await leap.financial_summary(job["id"])
    assert money["summary"]["price"] == summary["total_job_price"]
    assert money["summary"]["owed"] == summary["total_amount_owed"]
    assert money["invoice_count"] == len(money["invoices"]) > 0
    assert sum(invoice["open_balance"] for invoice in money["invoices"]) == pytest.approx(
        summary["total_amount_owed"]
    )
    assert money["payment_count"] == len(money["payments"])
    assert sum(payment["amount"] for payment in money["payments"]) == pytest.approx(
        summary["total_payment_received"]
    )


async def test_recording_a_payment_is_restricted_and_can_be_cancelled(ctx, leap):
    job = await job_in(ctx, "Invoiced")
    owed_before = (await leap.financial_summary(job["id"]))["total_amount_owed"]
    tool = TOOLS["record_payment"]

    assert tool.tier is Tier.RESTRICTED
    prepared = await tool.prepare(
        ctx, {"job_id": job["id"], "amount": 1250, "method": "check", "reference": "1042"}
    )

    assert prepared.summary.lower() == f"Record a $1,250.00 Check payment (ref 1042) on {said(job)}.".lower()
    result = await tool.execute(ctx, prepared.args)
    assert (await leap.financial_summary(job["id"]))["total_amount_owed"] == pytest.approx(owed_before - 1250)

    assert (await run_undo(ctx, result.undo)).lower() == f"cancelled the $1,250.00 payment on {said(job)}."
    assert (await leap.financial_summary(job["id"]))["total_amount_owed"] == pytest.approx(owed_before)


async def test_an_unknown_payment_method_lists_the_accepted_ones(ctx):
    job = await job_in(ctx, "Invoiced")

    with pytest.raises(ToolError, match=r"'bitcoin' is not one payment method here\. Leap accepts: Cash, "):
        await TOOLS["record_payment"].prepare(ctx, {"job_id": job["id"], "amount": 10, "method": "bitcoin"})


async def test_proposals_are_listed_filtered_and_searched(ctx, leap):
    everything = await run(ctx, "list_proposals", limit=50)
    accepted = await run(ctx, "list_proposals", status="accepted", limit=50)
    siding = await run(ctx, "list_proposals", search="siding", limit=50)
    one_job = everything["proposals"][0]["job_id"]
    for_job = await run(ctx, "list_proposals", job_id=one_job)

    assert everything["total"] > len(accepted["proposals"]) > 0
    assert {proposal["status"] for proposal in accepted["proposals"]} == {"accepted"}
    assert siding["proposals"] and all(
        "siding" in proposal["title"].lower() for proposal in siding["proposals"]
    )
    assert {proposal["job_id"] for proposal in for_job["proposals"]} == {one_job}


async def test_documents_and_worksheets_of_a_job(ctx):
    job = await job_in(ctx, "In Production")

    documents = await run(ctx, "list_documents", job_id=job["id"])
    measurements = await run(ctx, "list_documents", job_id=job["id"], kind="measurement")
    worksheets = await run(ctx, "list_worksheets", job_id=job["id"])
    materials = await run(ctx, "list_worksheets", job_id=job["id"], kind="material_list")

    assert documents["total"] == len(documents["documents"]) > 0
    assert all(document["url"].startswith("https://") for document in documents["documents"])
    assert measurements["documents"] and {d["type"] for d in measurements["documents"]} == {"measurement"}
    assert worksheets["worksheets"] and all("total" in sheet for sheet in worksheets["worksheets"])
    assert {sheet["type"] for sheet in materials["worksheets"]} == {"material_list"}


async def test_company_config_lists_this_companys_own_names(ctx, leap):
    config = await run(ctx, "company_config")
    only_stages = await run(ctx, "company_config", sections=["stages"])

    assert config["stages"] == [stage["name"] for stage in await leap.workflow_stages()]
    assert "Roofing" in config["trades"]
    assert config["divisions"]
    assert {"name": "Mike Chen", "role": "Sales Rep"}.items() <= next(
        user for user in config["users"] if user["name"] == "Mike Chen"
    ).items()
    assert set(only_stages) == {"stages"}
