"""Each company's Leap, discovered: the read-only capability check against the sandbox, per token."""

from __future__ import annotations

import re
from pathlib import Path

from crm_leap import CapabilityStore, registry
from crm_leap.capabilities import PROBES, Answer, Capability, check, refresh

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_tool_has_exactly_one_checked_endpoint_and_the_readme_table_agrees():
    listed = [tool for probe in PROBES for tool in probe.tools]
    assert sorted(listed) == sorted(registry())
    published = {tool: probe.published for probe in PROBES for tool in probe.tools}
    in_readme = {}
    for tools, kind in re.findall(
        r"^  \| (`[^|]+) \|[^|]+\| (published|unpublished) \|$", README.read_text(), re.M
    ):
        for tool in re.findall(r"`([a-z_]+)`", tools):
            in_readme[tool] = kind == "published"
    assert in_readme == published


async def test_the_check_finds_every_endpoint_of_a_full_account_and_only_reads(leap, sandbox, token):
    report = await check(leap)

    assert set(report.answers) == set(Capability)
    assert set(report.answers.values()) == {Answer.YES}
    assert {record.method for record in sandbox.requests(token)} == {"GET"}


async def test_an_account_without_the_unpublished_endpoints_lacks_exactly_those(leap, sandbox, token):
    sandbox.set_unpublished(token, enabled=False)

    report = await check(leap)

    for probe in PROBES:
        assert report.lacks(probe.capability) == (not probe.published), probe
    assert not report.offers_tool("send_text") and report.offers_tool("add_job_note")
    assert [r for r in sandbox.requests(token) if r.method != "GET"] == []


async def test_a_due_check_runs_once_is_stored_and_a_failed_tool_is_remembered(leap, redis, sandbox, token):
    store = CapabilityStore(redis)
    assert store.is_stale(await store.get("acme"))
    await store.claim_check("acme")  # another worker is checking

    assert await refresh(store, "acme", leap) is None
    await store.release_check("acme")
    report = await refresh(store, "acme", leap)

    assert report is not None and await store.get("acme") == report
    assert not store.is_stale(report)
    await store.mark_missing("acme", ["list_tasks"])
    assert (await store.get("acme")).lacks(Capability.TASKS)  # type: ignore[union-attr]
    await store.forget("acme")
    assert await store.get("acme") is None
