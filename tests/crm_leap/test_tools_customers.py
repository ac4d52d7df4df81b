"""Customer tools end to end against the sandbox: find (forgiving), details, create, create a lead."""

from __future__ import annotations

import json

import pytest

from crm_leap import NeedsCaller, ToolError, ToolInputError, registry, run_undo
from crm_leap.tools import Undo
from tests.crm_leap.conftest import run

TOOLS = registry()


async def a_customer(leap):
    return (await leap.find_customers(limit=1)).items[0]


async def test_find_customer_by_name_phone_and_email(ctx, leap):
    customer = await a_customer(leap)
    number = customer["phones"][0]["number"]
    spoken_number = f"+1 ({number[:3]}) {number[3:6]}-{number[6:]}"

    by_name = await run(ctx, "find_customer", query=customer["full_name"])
    by_phone = await run(ctx, "find_customer", query=spoken_number)
    by_email = await run(ctx, "find_customer", query=customer["email"].upper())

    for found in (by_name, by_phone, by_email):
        assert customer["id"] in [match["id"] for match in found["matches"]]


async def test_find_customer_forgives_misspellings(ctx):
    found = await run(ctx, "find_customer", query="Danial Alen")

    assert found["matches"][0]["name"] == "Daniel Allen"  # other Daniels rank below it
    assert "ask_back" not in found


async def test_find_customer_says_when_nobody_matches(ctx):
    found = await run(ctx, "find_customer", query="Zebulon Quartermaine")

    assert found["matches"] == []
    assert "No customer sounds like that" in found["note"]


async def test_customer_details_include_phones_address_rep_and_jobs(ctx, leap):
    customer = await a_customer(leap)

    details = await run(ctx, "get_customer", customer_id=customer["id"])

    assert details["name"] == customer["full_name"]
    assert details["phones"][0]["number"] == customer["phones"][0]["number"]
    assert details["address"].count(",") >= 2
    assert details["rep"]
    assert all({"id", "number", "stage"} <= set(job) for job in details["jobs"])


async def test_create_customer_is_prepared_then_executed_then_undone(ctx, leap):
    tool = TOOLS["create_customer"]
    args = {
        "first_name": "Maya",
        "last_name": "Lindqvist",
        "phone": "(303) 555-0188",
        "email": "maya@example.com",
        "street": "88 Larkspur Ln",
        "city": "Golden",
        "state": "Colorado",
        "zip": "80401",
        "sales_rep": "Tyler",
    }

    prepared = await tool.prepare(ctx, args)

    assert prepared.summary == (
        "Create customer Maya Lindqvist, cell (303) 555-0188, maya@example.com, 88 Larkspur Ln, Golden."
    )
    assert (await leap.find_customers(phone="3035550188")).items == []  # preparing changed nothing
    stored = json.loads(json.dumps(prepared.args))  # survives a trip through Redis

    result = await tool.execute(ctx, stored)

    created = await leap.get_customer(result.result["id"])
    assert created["full_name"] == "Maya Lindqvist"
    assert created["address"]["state"]["code"] == "CO"
    assert created["rep_id"] == (await ctx.company.resolve_user("Tyler Brooks")).id
    undo = Undo.from_json(json.loads(json.dumps(result.undo.to_json())))

    said = await run_undo(ctx, undo)

    assert said == "Deleted Maya Lindqvist from Leap."
    assert (await leap.find_customers(phone="3035550188")).items == []


async def test_a_duplicate_phone_or_email_offers_the_existing_customer_instead(ctx, leap):
    customer = await a_customer(leap)
    tool = TOOLS["create_customer"]
    same_phone = {"first_name": "Sam", "last_name": "Other", "phone": customer["phones"][0]["number"]}
    same_email = {
        "first_name": "Sam",
        "last_name": "Other",
        "phone": "9705550166",
        "email": customer["email"],
    }

    for args in (same_phone, same_email):
        with pytest.raises(NeedsCaller) as asked:
            await tool.prepare(ctx, args)
        assert f"Leap already has {customer['full_name']} on " in asked.value.message
        assert asked.value.details["existing_customer"]["id"] == customer["id"]

    prepared = await tool.prepare(ctx, {**same_phone, "create_anyway": True})  # a spouse sharing the phone
    assert prepared.summary.startswith("Create customer Sam Other")


async def test_a_missing_first_name_is_asked_for_not_sent_to_leap_to_be_refused(ctx, leap, sandbox, token):
    asked = []
    for args in ({"last_name": "Ng", "phone": "7195550123"}, {"first_name": "Sam", "phone": "7195550123"}):
        with pytest.raises(NeedsCaller) as question:
            await TOOLS["create_customer"].prepare(ctx, args)
        asked.append(question.value.details["missing"])
        assert "Ask the caller" in question.value.message

    assert asked == [["first_name"], ["last_name"]]
    business = await TOOLS["create_customer"].prepare(
        ctx, {"company_name": "Pearl St Lofts", "phone": "7195550123"}
    )
    result = await TOOLS["create_customer"].execute(ctx, business.args)
    assert result.result["name"] == "Pearl St Lofts"


def test_the_schema_tells_claude_what_leap_needs():
    schema = TOOLS["create_customer"].json_schema()

    assert schema["required"] == ["phone"]
    for name in ("first_name", "last_name"):
        assert "Leap requires a first and a last name" in schema["properties"][name]["description"]


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        ({"last_name": "Ng", "phone": "555-01"}, "should have 10 digits"),
        ({"last_name": "Ng", "phone": "7195550123", "email": "not-an-email"}, "not an email address"),
        ({"last_name": "Ng", "phone": "7195550123", "phone_label": "pager"}, "phone_label"),
        ({"last_name": "Ng", "phone": "7195550123", "nickname": "Sammy"}, "nickname"),
    ],
)
async def test_bad_customer_input_is_explained(ctx, args, complaint):
    with pytest.raises(ToolInputError, match=complaint):
        await TOOLS["create_customer"].prepare(ctx, args)


async def test_an_unknown_state_is_explained(ctx):
    with pytest.raises(ToolError, match="No state in Leap matches 'Atlantis'"):
        await TOOLS["create_customer"].prepare(
            ctx,
            {
                "first_name": "Al",
                "last_name": "Ng",
                "phone": "7195550123",
                "street": "1 Main",
                "city": "X",
                "state": "Atlantis",
            },
        )


async def test_create_prospect_makes_customer_and_job_in_the_first_stage(ctx, leap):
    tool = TOOLS["create_prospect"]
    prepared = await tool.prepare(
        ctx,
        {
            "first_name": "Omar",
            "last_name": "Haddad",
            "phone": "720-555-0144",
            "job_description": "Hail damage, full roof replacement",
            "trade": "roofing",
            "division": "insurance",
        },
    )

    assert prepared.summary == (
        "Create lead Omar Haddad, cell (720) 555-0144 with a Roofing job: "
        "'Hail damage, full roof replacement'."
    )

    result = await tool.execute(ctx, prepared.args)

    (job_id,) = result.result["job_ids"]
    job = await leap.get_job(job_id)
    first_stage = (await ctx.company.stages())[0]
    assert job["current_stage"]["code"] == first_stage.code
    assert result.result["stage"] == first_stage.name
    assert [trade["name"] for trade in job["trades"]] == ["Roofing"]
    assert job["division"]["name"] == "Insurance Restoration"

    assert await run_undo(ctx, result.undo) == "Deleted Omar Haddad from Leap."
    assert (await leap.find_customers(phone="7205550144")).items == []


async def test_create_prospect_with_an_unknown_trade_lists_the_real_ones(ctx):
    with pytest.raises(ToolError, match=r"No trade in Leap matches 'plumbing'\. The trades are: Roofing, "):
        await TOOLS["create_prospect"].prepare(
            ctx,
            {
                "first_name": "Al",
                "last_name": "Ng",
                "phone": "7195550123",
                "job_description": "Leaky pipe",
                "trade": "plumbing",
            },
        )
