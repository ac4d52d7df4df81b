"""Names as speech recognition hears them: misheard customer names find the customer, or a question.

Runs the real find_customer tool through the real Leap client against the sandbox's demo company.
Each name below is how a speech recogniser might write a real customer's name; Leap's own search
(first letters must be right) finds none of them.
"""

from __future__ import annotations

import pytest

from crm_leap import registry
from tests.crm_leap.conftest import run

HEARD_AS = [
    ("Smyth", "Daniel Smith"),
    ("Jonse", "Joshua Jones"),
    ("Klark", "Carol Clark"),
    ("Filips", "David Phillips"),
    ("Mirfy", "Elizabeth Murphy"),
    ("Tomson", "Melissa Thompson"),
    ("Stuart", "Rebecca Stewart"),
    ("Rojers", "Timothy Rogers"),
    ("Sanches", "Thomas Sanchez"),
    ("Edwerds", "Kevin Edwards"),
    ("Kolins", "Karen Collins"),
    ("Garsia", "Brian Garcia"),
    ("Cambel", "David Campbell"),
    ("Rodrigues", "Elizabeth Rodriguez"),
    ("Robinsen", "Andrew Robinson"),
    ("Tores", "Charles Torres"),
    ("Marc Jonson", "Mark Johnson"),
    ("Karen Miler", "Karen Miller"),
    ("Sondra Roberts", "Sandra Roberts"),
    ("Cherry Creek Dentle", "Alan Brooks"),
]


@pytest.mark.parametrize(("said", "meant"), HEARD_AS)
async def test_a_misheard_name_finds_the_customer(ctx, leap, said, meant):
    assert (await leap.find_customers(name=said)).items == []  # Leap's own search cannot

    found = await run(ctx, "find_customer", query=said)

    assert found["matches"][0]["name"] == meant, found
    assert "ask_back" not in found, found


async def test_two_customers_who_sound_alike_are_asked_back_with_their_streets(ctx):
    await run(ctx, "find_customer", query="Smith")  # the name list is cached now
    tool = registry()["create_customer"]
    args = {"first_name": "Danielle", "last_name": "Smythe", "phone": "3035550177", "street": "12 Pine St",
            "city": "Denver"}  # fmt: skip
    await tool.execute(ctx, (await tool.prepare(ctx, args)).args)

    found = await run(ctx, "find_customer", query="Smith")

    assert [match["name"] for match in found["matches"][:2]] == ["Daniel Smith", "Danielle Smythe"]
    assert "Daniel Smith on Sable Blvd or Danielle Smythe on Pine St" in found["ask_back"]
    assert "Ask the caller which one" in found["ask_back"]


async def test_a_first_name_alone_asks_which_of_the_customers_by_that_name(ctx):
    found = await run(ctx, "find_customer", query="Kimberley")

    kimberlys = ["Kimberly Davis", "Kimberly Harris", "Kimberly Lopez", "Kimberly Williams"]
    assert sorted(match["name"] for match in found["matches"]) == kimberlys
    for name in kimberlys:
        assert name in found["ask_back"]


async def test_a_clear_best_match_is_not_asked_back(ctx):
    found = await run(ctx, "find_customer", query="Kimberly Davis")

    assert found["matches"][0]["name"] == "Kimberly Davis"
    assert "ask_back" not in found


async def test_a_misheard_customer_name_finds_their_jobs(ctx, leap):
    assert (await leap.find_jobs(keyword="Rodrigues")).items == []  # Leap's own search cannot

    found = await run(ctx, "find_jobs", keyword="Rodrigues")

    assert found["jobs"]
    assert {job["customer"] for job in found["jobs"]} == {"Elizabeth Rodriguez"}


async def test_a_misheard_subcontractor_is_found_and_a_crew_schedule_follows(ctx, leap):
    assert (await leap.find_subcontractors(query="Kovalsky")).items == []

    found = await run(ctx, "find_subcontractors", query="Kovalsky")
    schedule = await run(ctx, "production_schedule", crew_member="Valdes")

    assert found["subcontractors"][0]["name"] == "Anna Kowalski"
    assert schedule["from"]  # resolved to Hector Valdez's crew instead of "no crew member matches"
