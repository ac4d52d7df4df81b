"""The audit trail: what lands in it, how to filter and page it, and archiving that loses nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from api.routes.audit import CSV_PAGE
from brain import CallContext, Channel, ToolStatus
from tenants import Role
from tenants.audit import ArchiveSweeper, AuditArchiver, StreamId
from tests.api.conftest import Api, bearer


async def read_all(api: Api, tenant_id: str, limit: int, **filters: str) -> list[dict]:
    """Every entry, following cursors page by page."""
    entries: list[dict] = []
    cursor = None
    while True:
        params = {"limit": str(limit), **filters, **({"cursor": cursor} if cursor else {})}
        page = (
            await api.http.get(f"/v1/tenants/{tenant_id}/audit", params=params, headers=api.operator)
        ).json()
        entries += page["entries"]
        cursor = page["next_cursor"]
        if cursor is None:
            return entries


async def test_tool_runs_key_changes_setting_changes_and_logins_are_recorded(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "tools:read", "admin")
    await api.http.patch(
        "/v1/tenants/acme/settings", json={"timezone": "America/Denver"}, headers=key["headers"]
    )
    await api.http.post("/v1/tools/company_config", json={}, headers=key["headers"])
    user = (
        await api.http.post("/v1/tenants/acme/users", json={"name": "Dana"}, headers=key["headers"])
    ).json()
    await api.http.post(
        "/v1/tenants/acme/widget-tokens", json={"user_id": user["id"]}, headers=key["headers"]
    )
    await api.http.delete(f"/v1/tenants/acme/api-keys/{key['id']}", headers=api.operator)

    entries = await read_all(api, "acme", limit=100)

    assert [(entry["event"] or entry["tool"], entry["actor"]) for entry in reversed(entries)] == [
        ("tenant.created", "operator"),
        ("api_key.created", "operator"),
        ("settings.updated", f"key:{key['id']}"),
        ("company_config", f"key:{key['id']}"),
        ("user.added", f"key:{key['id']}"),
        ("login.widget", f"key:{key['id']}"),
        ("api_key.revoked", "operator"),
    ]


async def test_filters_by_tool_key_user_and_time(api: Api):
    await api.tenant("acme")
    first = await api.key("acme", "tools:read", "conversations")
    second = await api.key("acme", "tools:read")
    for headers in (first["headers"], second["headers"], first["headers"]):
        await api.http.post("/v1/tools/company_config", json={}, headers=headers)
    await api.http.post("/v1/tools/find_jobs", json={}, headers=second["headers"])
    user = (await api.http.post("/v1/tenants/acme/users", json={"name": "Dana"}, headers=api.operator)).json()
    widget = (
        await api.http.post(
            "/v1/tenants/acme/widget-tokens", json={"user_id": user["id"]}, headers=api.operator
        )
    ).json()
    conversation = (await api.http.post("/v1/conversations", headers=bearer(widget["token"]))).json()["id"]
    ctx = _user_ctx("acme", user["id"], conversation)
    await api.admin.brain.audit.tool_run(  # what the brain records when a user's conversation runs a tool
        "acme", channel=ctx.channel.value, actor=ctx.actor, session=ctx.session_id,
        tool="find_jobs", args={}, outcome=ToolStatus.OK, latency_ms=3,
    )  # fmt: skip

    by_tool = await read_all(api, "acme", limit=2, tool="find_jobs")
    by_key = await read_all(api, "acme", limit=2, key=first["id"])
    by_user = await read_all(api, "acme", limit=2, user=user["id"])
    future = await read_all(api, "acme", limit=50, since=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    past = await read_all(api, "acme", limit=50, until=(datetime.now(UTC) - timedelta(hours=1)).isoformat())

    assert [(e["tool"], e["actor"]) for e in by_tool] == [
        ("find_jobs", f"user:{user['id']}"),
        ("find_jobs", f"key:{second['id']}"),
    ]
    assert [e["tool"] for e in by_key] == ["company_config", "company_config"]
    assert [e["tool"] for e in by_user] == ["find_jobs"]
    assert future == past == []
    both = await api.http.get(
        "/v1/tenants/acme/audit", params={"key": first["id"], "user": user["id"]}, headers=api.operator
    )
    assert both.status_code == 422


def _user_ctx(tenant_id: str, user_id: str, session: str) -> CallContext:
    return CallContext(
        tenant_id=tenant_id, session_id=session, channel=Channel.TEXT, role=Role.OWNER, user_id=user_id
    )


async def test_archiving_moves_old_entries_to_the_blob_store_and_paging_continues_into_them(api: Api):
    await api.tenant("acme")
    for number in range(30):
        await api.admin.audit.record("acme", actor="operator", event="test.event", detail=f"entry {number}")
    before = await read_all(api, "acme", limit=500)
    archiver = AuditArchiver(api.admin.redis, api.admin.blobs, keep=5, segment=7)

    moved = await archiver.archive("acme")
    again = await archiver.archive("acme")

    assert (moved, again) == (len(before) - 5, 0)
    assert await api.admin.redis.xlen("t:acme:audit") == 5
    segments = await api.admin.blobs.list_keys("t/acme/audit/")
    archived = [
        json.loads(line)["id"]
        for key in segments
        for line in (await api.admin.blobs.get(key)).decode().splitlines()
    ]
    assert len(archived) == len(set(archived)) == len(before) - 5
    after = await read_all(api, "acme", limit=4)
    assert after == before  # same entries, same order, nothing lost or doubled
    third_oldest = StreamId.parse(before[-3]["id"]).ms
    since = datetime.fromtimestamp(third_oldest / 1000, UTC).isoformat()
    expected = [e["id"] for e in before if StreamId.parse(e["id"]).ms >= third_oldest]
    assert [e["id"] for e in await read_all(api, "acme", limit=3, since=since)] == expected


async def test_the_sweeper_archives_every_tenants_trail(api: Api):
    for tenant_id in ("acme", "other"):
        await api.tenant(tenant_id)
        for number in range(4):
            await api.admin.audit.record(tenant_id, actor="operator", event="test.event", detail=str(number))
    sweeper = ArchiveSweeper(AuditArchiver(api.admin.redis, api.admin.blobs, keep=2), api.admin.tenants)

    moved = await sweeper.sweep()

    lengths = {t: await api.admin.redis.xlen(f"t:{t}:audit") for t in ("acme", "other", "demo-roofing")}
    assert lengths == {"acme": 2, "other": 2, "demo-roofing": 0}
    assert moved == 2 * 3  # per tenant: tenant.created and four events, two kept


async def test_actor_and_event_filters_and_the_csv_export(api: Api):
    await api.tenant("acme")
    admin = await api.key("acme", "admin", "tools:read")
    await api.http.post("/v1/tools/company_config", json={}, headers=admin["headers"])
    for number in range(CSV_PAGE + 20):  # the export streams more than one page
        await api.admin.audit.record("acme", actor="operator", event="test.event", detail=f"entry {number}")
    await api.admin.audit.record("acme", actor="operator", event="test.other", detail='=HYPERLINK("x")')

    family = await read_all(api, "acme", limit=200, event="test.")
    assert len(family) == CSV_PAGE + 21 and {e["event"] for e in family} == {"test.event", "test.other"}
    exact = await read_all(api, "acme", limit=3, event="test.other")
    assert [e["detail"] for e in exact] == ['=HYPERLINK("x")']
    by_actor = await read_all(api, "acme", limit=50, actor=f"key:{admin['id']}")
    assert [e["tool"] for e in by_actor] == ["company_config"]

    exported = await api.http.get(
        "/v1/tenants/acme/audit",
        params={"format": "csv", "actor": "operator", "event": "test."},
        headers=api.operator,
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="audit-acme-') and disposition.endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    newest_first = [f"entry {n}" for n in range(CSV_PAGE + 19, -1, -1)]
    assert [row["detail"] for row in rows] == ['\'=HYPERLINK("x")', *newest_first]
    assert {row["actor"] for row in rows} == {"operator"} and all(row["id"] and row["at"] for row in rows)
    assert list(rows[0]) == ["id", "at", "channel", "actor", "tool", "event", "outcome", "detail", "session",
                             "args_digest", "latency_ms"]  # fmt: skip

    everything = await api.http.get("/v1/tenants/acme/audit", params={"format": "csv"}, headers=api.operator)
    assert len(list(csv.DictReader(io.StringIO(everything.text)))) == len(
        await read_all(api, "acme", limit=500)
    )
    crossed = await api.http.get(
        "/v1/tenants/acme/audit",
        params={"since": "2030-01-02T00:00:00Z", "until": "2030-01-01T00:00:00Z"},
        headers=api.operator,
    )
    assert crossed.status_code == 422 and "since is later than until" in crossed.json()["detail"]
    await api.tenant("other")
    stranger = await api.key("other", "admin")
    refused = await api.http.get(
        "/v1/tenants/acme/audit", params={"format": "csv"}, headers=stranger["headers"]
    )
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
