"""The company's vocabulary: read from Leap once, cached in Redis per tenant, names resolved forgivingly."""

from __future__ import annotations

import json
import time

import pytest

from crm_leap import AmbiguousName, CompanyDirectory, UnknownName
from tests.crm_leap.conftest import TENANT


def stage_reads(sandbox, token):
    return [record for record in sandbox.requests(token) if record.path.endswith("/workflow/stages")]


async def test_stage_names_resolve_to_this_companys_codes(company, leap):
    codes = {stage["name"]: stage["code"] for stage in await leap.workflow_stages()}

    for said in ("proposal sent", "Prop sent", "the proposal sent stage", "PROPOSAL SENT"):
        assert (await company.resolve_stage(said)).code == codes["Proposal Sent"]
    assert (await company.resolve_stage("paid and closed")).code == codes["Paid & Closed"]


async def test_a_first_name_shared_by_two_users_is_asked_back(company):
    with pytest.raises(AmbiguousName) as asked:
        await company.resolve_user("Mike")

    assert asked.value.message == (
        "Two users match 'Mike': Mike Alvarez (sales manager) and Mike Chen (sales rep). Which one?"
    )


async def test_users_resolve_by_full_name_or_surname(company):
    assert (await company.resolve_user("Mike Chen")).full_name == "Mike Chen"
    assert (await company.resolve_user("alvarez")).full_name == "Mike Alvarez"
    assert (await company.resolve_user("Jasmin")).full_name == "Jasmine Ortiz"


async def test_an_unknown_stage_lists_the_real_ones(company):
    with pytest.raises(UnknownName) as unknown:
        await company.resolve_stage("banana split")

    assert unknown.value.message.startswith("No stage in Leap matches 'banana split'. The stages are: Lead, ")


async def test_trades_divisions_and_states_resolve_too(company):
    assert (await company.resolve_trade("roof")).name == "Roofing"
    assert (await company.resolve_division("insurance")).name == "Insurance Restoration"
    colorado = await company.resolve_state("CO")
    assert colorado.name == "Colorado"
    assert (await company.resolve_state("colorado")).id == colorado.id


async def test_config_is_read_once_and_shared_through_redis(company, leap, redis, sandbox, token):
    await company.resolve_stage("lead")
    await company.resolve_stage("invoiced")
    another_worker = CompanyDirectory(TENANT, leap, redis)
    await another_worker.stages()

    assert len(stage_reads(sandbox, token)) == 1
    assert 0 < await redis.ttl(f"t:{TENANT}:leap:config:stages") <= 600


async def test_tenants_do_not_share_a_cache(company, leap, redis, sandbox, token):
    await company.stages()
    await CompanyDirectory("t-other", leap, redis).stages()

    assert len(stage_reads(sandbox, token)) == 2


async def test_a_name_the_cache_does_not_know_makes_it_read_leap_again(company, redis, sandbox, token):
    # The cache was filled before the admin added "Paid & Closed" in Leap.
    stale = [
        {"code": stage.code, "name": stage.name, "position": stage.position}
        for stage in await company.stages()
        if stage.name != "Paid & Closed"
    ]
    payload = {"fetched_at": time.time() - 300, "items": stale}
    await redis.set(f"t:{TENANT}:leap:config:stages", json.dumps(payload), ex=600)
    sandbox.clear_requests()

    stage = await company.resolve_stage("paid & closed")

    assert stage.name == "Paid & Closed"
    assert len(stage_reads(sandbox, token)) == 1
    assert "Paid & Closed" in [cached.name for cached in await company.stages()]


async def test_made_up_names_do_not_make_every_question_cost_a_leap_call(company, sandbox, token):
    await company.stages()

    for _ in range(3):
        with pytest.raises(UnknownName):
            await company.resolve_stage("no such stage")

    assert len(stage_reads(sandbox, token)) == 1


async def test_refresh_forgets_the_cache(company, sandbox, token):
    await company.stages()
    await company.refresh()
    await company.stages()

    assert len(stage_reads(sandbox, token)) == 2
