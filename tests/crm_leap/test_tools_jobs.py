"""Job tools end to end: find, overview, stage change (confirm, undo) and archive (restricted)."""

from __future__ import annotations

import pytest

from crm_leap import ToolError, registry, run_undo
from crm_leap.tools import Tier
from crm_leap.tools.common import job_label
from tests.crm_leap.conftest import job_in, run, said


@pytest.mark.parametrize(
    ("job", "spoken"),
    [
        ({"number": "2611-7644153-02", "name": "Rodriguez - Roof Repair"}, "the Rodriguez roof repair"),
        ({"name": "Peak Builders LLC - Flat Roof (TPO)"}, "the Peak Builders LLC flat roof (TPO)"),
        ({"name": "The Smith Residence"}, "the Smith Residence"),
        (
            {"number": "2611-7644153-02", "customer": {"first_name": "Ann", "last_name": "Lee"}},
            "the Ann Lee job",
        ),
        ({"number": "2611-7644153-02"}, "job 2611-7644153-02"),
    ],
)
def test_a_job_is_named_as_a_person_would_with_its_number_only_as_a_last_resort(job, spoken):
    assert job_label(job) == spoken


TOOLS = registry()


async def test_find_jobs_by_stage_rep_keyword_and_number(ctx, leap):
    by_stage = await run(ctx, "find_jobs", stage="prop sent")
    by_rep = await run(ctx, "find_jobs", sales_rep="Tyler", limit=50)
    sample = by_stage["jobs"][0]
    by_number = await run(ctx, "find_jobs", job_number=sample["number"])
    by_keyword = await run(ctx, "find_jobs", keyword=sample["customer"].split()[-1])

    assert by_stage["total"] > 1 and {job["stage"] for job in by_stage["jobs"]} == {"Proposal Sent"}
    tyler = (await ctx.company.resolve_user("Tyler")).id
    for job in by_rep["jobs"]:
        assert tyler in [rep["id"] for rep in (await leap.get_job(job["id"], includes=("reps",)))["reps"]]
    assert [job["id"] for job in by_number["jobs"]] == [sample["id"]]
    assert sample["id"] in [job["id"] for job in by_keyword["jobs"]]


async def test_find_jobs_with_an_ambiguous_rep_asks_which_one(ctx):
    with pytest.raises(ToolError, match="Two users match 'Mike'"):
        await run(ctx, "find_jobs", sales_rep="Mike")


async def test_job_overview_brings_job_notes_money_appointments_and_schedule(ctx, leap):
    job = await job_in(ctx, "In Production")

    overview = await run(ctx, "job_overview", job_id=job["id"])

    assert overview["job"]["number"] == job["number"]
    assert overview["job"]["stage"] == "In Production"
    assert overview["job"]["customer"] and overview["job"]["reps"]
    notes = (await leap.list_job_notes(job["id"], limit=5)).items
    assert [note["id"] for note in overview["recent_notes"]] == [note["id"] for note in notes]
    summary = await leap.financial_summary(job["id"])
    assert overview["financials"]["price"] == summary["total_job_price"]
    assert overview["financials"]["owed"] == summary["total_amount_owed"]
    assert overview["production_schedule"] and overview["production_schedule"][0]["job_id"] == job["id"]
    assert isinstance(overview["upcoming_appointments"], list)


async def test_job_overview_of_a_lead_says_there_are_no_financials_yet(ctx):
    lead = await job_in(ctx, "Lead")

    overview = await run(ctx, "job_overview", job_id=lead["id"])

    assert overview["financials"] == {"status": "The job is not awarded yet, so it has no financials."}


async def test_job_overview_keeps_long_text_short(ctx, leap):
    job = await job_in(ctx, "In Production")
    await leap.add_job_note(job["id"], "Crew notes. " + "Tear-off went fine on the south face. " * 60)

    overview = await run(ctx, "job_overview", job_id=job["id"])

    latest = overview["recent_notes"][0]["text"]
    assert len(latest) < 500
    assert latest.endswith("more characters]")


async def test_job_overview_of_an_unknown_or_archived_job_is_explained(ctx, leap):
    archived = next(
        job for job in (await leap.find_jobs(include_archived=True, limit=100)).items if job["archived"]
    )

    with pytest.raises(ToolError, match="no job with id 999999"):
        await run(ctx, "job_overview", job_id=999_999)
    with pytest.raises(ToolError, match="archived in Leap"):
        await run(ctx, "job_overview", job_id=archived["id"])


async def test_stage_change_is_summarised_applied_and_undone(ctx, leap):
    job = await job_in(ctx, "Lead")
    tool = TOOLS["change_job_stage"]

    prepared = await tool.prepare(ctx, {"job_id": job["id"], "stage": "Prop sent"})

    assert prepared.summary.lower() == f"move {said(job)} from lead to proposal sent."
    assert job["number"] not in prepared.summary
    assert (await leap.get_job(job["id"]))["current_stage"]["name"] == "Lead"

    result = await tool.execute(ctx, prepared.args)

    assert (await leap.get_job(job["id"]))["current_stage"]["name"] == "Proposal Sent"
    assert result.result == {"job_id": job["id"], "stage": "Proposal Sent", "previous_stage": "Lead"}
    assert result.undo.summary.lower() == f"move {said(job)} back to lead."

    assert (await run_undo(ctx, result.undo)).lower() == f"moved {said(job)} back to lead."
    assert (await leap.get_job(job["id"]))["current_stage"]["name"] == "Lead"


async def test_undoing_a_stage_change_leaves_a_later_move_alone(ctx, leap):
    job = await job_in(ctx, "Lead")
    tool = TOOLS["change_job_stage"]
    result = await tool.execute(
        ctx, (await tool.prepare(ctx, {"job_id": job["id"], "stage": "inspection sched"})).args
    )
    contract = await ctx.company.resolve_stage("contract signed")
    await leap.change_job_stage(job["id"], contract.code)  # someone else moved it on since

    with pytest.raises(ToolError, match="has since moved to Contract Signed; I left it there"):
        await run_undo(ctx, result.undo)
    assert (await leap.get_job(job["id"]))["current_stage"]["name"] == "Contract Signed"


async def test_moving_a_job_to_its_current_stage_is_refused(ctx):
    job = await job_in(ctx, "Lead")

    with pytest.raises(ToolError, match="is already in Lead"):
        await TOOLS["change_job_stage"].prepare(ctx, {"job_id": job["id"], "stage": "lead"})


async def test_leaps_refusal_of_a_stage_change_reaches_the_user(ctx, leap):
    locked = next(task for task in (await leap.list_tasks(limit=100)).items if task["locked"])
    tool = TOOLS["change_job_stage"]
    prepared = await tool.prepare(ctx, {"job_id": locked["job_id"], "stage": "in production"})

    with pytest.raises(ToolError, match="Leap refused that: Please complete the pending task"):
        await tool.execute(ctx, prepared.args)


async def test_archiving_is_restricted_and_reversible(ctx, leap):
    job = await job_in(ctx, "Lead")
    tool = TOOLS["archive_job"]

    assert tool.tier is Tier.RESTRICTED
    prepared = await tool.prepare(ctx, {"job_id": job["id"]})
    assert prepared.summary.lower() == f"archive {said(job)} (now in lead)."

    result = await tool.execute(ctx, prepared.args)

    with pytest.raises(ToolError, match="archived"):
        await run(ctx, "job_overview", job_id=job["id"])
    assert (await run_undo(ctx, result.undo)).lower() == f"restored {said(job)} from the archive."
    assert (await leap.get_job(job["id"]))["archived"] is None
