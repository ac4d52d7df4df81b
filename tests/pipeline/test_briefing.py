"""The morning briefing's words, composed from the sandbox Leap and memory at a fixed moment."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pipeline import morning_briefing
from tenants import Role
from tests.brain.conftest import World

DENVER = ZoneInfo("America/Denver")
MORNING = datetime(2031, 3, 4, 7, 0, tzinfo=DENVER)


async def test_a_second_briefing_reports_only_the_jobs_moved_since_the_first(world: World) -> None:
    tenant = await world.brain.tenants.get_tenant("acme")
    dana = world.users[Role.OWNER]
    early, later = [job for job in world.data.jobs.values() if not job.archived][:2]
    early.stage_last_modified = datetime(2031, 3, 3, 16, 0)  # yesterday afternoon

    first = await morning_briefing(world.brain, tenant, dana, now=MORNING)
    later.stage_last_modified = datetime(2031, 3, 4, 12, 0)  # after the first briefing
    second = await morning_briefing(world.brain, tenant, dana, now=datetime(2031, 3, 5, 7, 0, tzinfo=DENVER))

    assert f"{early.name} is now at" in first.text and f"{later.name} is now at" not in first.text
    assert f"{later.name} is now at" in second.text and f"{early.name} is now at" not in second.text
    assert "No appointments on the calendar today." in first.parts


async def test_only_leaders_are_asked_to_decide_what_one_person_claimed(world: World) -> None:
    tenant = await world.brain.tenants.get_tenant("acme")
    await world.brain.memory.note_company_claim("acme", "Crews start at six in summer.", "u_tony")
    owner = await morning_briefing(world.brain, tenant, world.users[Role.OWNER], now=MORNING)
    rep = await morning_briefing(world.brain, tenant, world.users[Role.SALES_REP], now=MORNING)
    assert '"Crews start at six in summer."' in owner.text and "needs your call" in owner.text
    assert "Crews start" not in rep.text
