"""What the brain and the Direct Tools API rely on: every tool's identity, schema, tier and shape."""

from __future__ import annotations

import json

import pytest

from crm_leap import ALL_TOOLS, ToolInputError, registry
from crm_leap.tools import ReadTool, RestrictedTool, Tier, WriteTool
from testkit.schemas import forbidden_null_or_zero

AREAS = {
    "customers",
    "jobs",
    "notes",
    "email",
    "sms",
    "proposals",
    "appointments",
    "financials",
    "tasks",
    "documents",
    "schedule",
    "subcontractors",
    "company",
}


def _walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_the_registry_covers_every_area_of_the_product():
    assert registry() is ALL_TOOLS
    assert {tool.area for tool in ALL_TOOLS.values()} == AREAS
    assert all(name == tool.name for name, tool in ALL_TOOLS.items())


@pytest.mark.parametrize("tool", list(ALL_TOOLS.values()), ids=list(ALL_TOOLS))
def test_each_tool_describes_itself_for_the_llm(tool):
    schema = tool.json_schema()

    assert tool.description.strip() and len(tool.description) < 400
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert "$defs" not in json.dumps(schema) and "$ref" not in json.dumps(schema)
    for node in _walk(schema):
        if isinstance(node, dict):
            assert not isinstance(node.get("title"), str), f"title noise in {tool.name}"
            assert node.get("default", 0) is not None
    assert len(json.dumps(schema)) < 2500


@pytest.mark.parametrize("tool", list(ALL_TOOLS.values()), ids=list(ALL_TOOLS))
def test_tiers_match_the_two_step_shape(tool):
    if tool.tier is Tier.READ:
        assert isinstance(tool, ReadTool)
    else:
        assert isinstance(tool, WriteTool)
        assert isinstance(tool, RestrictedTool) == (tool.tier is Tier.RESTRICTED)


def test_money_and_destructive_actions_are_restricted():
    restricted = {name for name, tool in ALL_TOOLS.items() if tool.tier is Tier.RESTRICTED}

    assert restricted == {"record_payment", "archive_job"}


def test_optional_arguments_are_plain_types_for_the_llm():
    schema = ALL_TOOLS["create_appointment"].json_schema()

    assert schema["required"] == ["title", "start"]
    assert schema["properties"]["assigned_to"] == {
        "type": "string",
        "description": "The company user who owns it (name).",
    }


SCHEMA_CASES = [
    (tool, name, value)
    for tool in ALL_TOOLS.values()
    for name, prop in tool.json_schema()["properties"].items()
    for value in forbidden_null_or_zero(prop)
]


@pytest.mark.parametrize(
    ("tool", "name", "value"), SCHEMA_CASES, ids=[f"{t.name}.{n}={v}" for t, n, v in SCHEMA_CASES]
)
def test_arguments_the_published_schema_forbids_are_refused(tool, name, value):
    with pytest.raises(ToolInputError) as refused:
        tool.parse({name: value})

    assert f"{name}: " in refused.value.message


async def test_arguments_of_the_wrong_shape_are_explained_per_field(ctx):
    with pytest.raises(ToolInputError) as refused:
        await ALL_TOOLS["find_jobs"].run(ctx, {"limit": "lots", "colour": "red"})

    message = refused.value.message
    assert message.startswith("Invalid arguments for find_jobs: ")
    assert "limit: must be a whole number, not string" in message
    assert "colour: Extra inputs are not permitted" in message


async def test_resolved_arguments_are_checked_again_before_executing(ctx):
    with pytest.raises(ToolInputError, match="stage_code"):
        await ALL_TOOLS["change_job_stage"].execute(ctx, {"job_id": 1, "job": "job 1"})


async def _largest_read_requests(ctx):
    """Every read tool with the widest arguments it accepts, on records that have the most to say."""
    leap = ctx.leap
    in_production = await ctx.company.resolve_stage("In Production")
    invoiced = await ctx.company.resolve_stage("Invoiced")
    busy_job = (await leap.find_jobs(stage_codes=[in_production.code], limit=1)).items[0]["id"]
    billed_job = (await leap.find_jobs(stage_codes=[invoiced.code], limit=1)).items[0]["id"]
    customer = (await leap.find_customers(limit=1)).items[0]
    texted = (await leap.list_text_threads(limit=1)).items[0]
    email = (await leap.list_emails(limit=1)).items[0]
    return {
        "find_customer": {"query": customer["last_name"]},
        "get_customer": {"customer_id": customer["id"]},
        "find_jobs": {"limit": 50, "include_archived": True},
        "job_overview": {"job_id": busy_job},
        "list_job_notes": {"job_id": busy_job, "limit": 50},
        "list_emails": {"limit": 30},
        "read_email": {"email_id": email["id"]},
        "text_history": {"customer_id": texted["customer_id"], "limit": 50},
        "list_proposals": {"limit": 50},
        "list_appointments": {"limit": 50},
        "job_financials": {"job_id": billed_job, "limit": 50},
        "company_financials": {"period": "this_month"},
        "list_tasks": {"limit": 50, "include_done": True},
        "list_documents": {"job_id": busy_job, "limit": 50},
        "list_worksheets": {"job_id": busy_job, "limit": 50},
        "find_documents": {"search": "e", "customer": "a"},  # a wide net: most customers, most files
        "production_schedule": {},
        "find_subcontractors": {"limit": 50},
        "company_config": {},
    }


async def test_every_read_answer_stays_small_enough_to_speak_from(ctx):
    requests = await _largest_read_requests(ctx)

    assert set(requests) == {name for name, tool in ALL_TOOLS.items() if tool.tier is Tier.READ}
    for name, args in requests.items():
        answer = json.dumps(await ALL_TOOLS[name].run(ctx, args))
        assert len(answer) < 20_000, f"{name} answered {len(answer)} characters"


def test_a_schema_handed_out_can_be_changed_without_touching_the_next():
    """Schemas are built once per tool; whoever edits theirs (an adapter adding a field, say)
    must not change what the next call is given."""
    first = ALL_TOOLS["create_appointment"].json_schema()
    first["properties"]["title"]["type"] = "integer"
    first["required"].append("changed")

    again = ALL_TOOLS["create_appointment"].json_schema()

    assert again["properties"]["title"]["type"] == "string"
    assert again["required"] == ["title", "start"]
