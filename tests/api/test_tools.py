"""The Direct Tools API against the Leap sandbox: scopes, results, dry runs, idempotency, errors."""

from __future__ import annotations

import asyncio

from crm_leap import leap_rate_limiter
from tests.api.conftest import Api

PROBLEMS = "https://hard-e.dev/problems/"


async def open_job(api: Api, tenant_id: str):
    data = await api.leap_data(tenant_id)
    return next(job for job in data.jobs.values() if not job.archived)


def notes_on(data, job_id: int) -> list[str]:
    return [note.note for note in data.notes.values() if note.job_id == job_id]


async def test_the_list_shows_only_what_the_key_may_run_with_schemas(api: Api):
    await api.tenant("acme")
    reader = await api.key("acme", "tools:read")
    writer = await api.key("acme", "tools:write")

    read_tools = (await api.http.get("/v1/tools", headers=reader["headers"])).json()
    write_tools = (await api.http.get("/v1/tools", headers=writer["headers"])).json()

    assert {tool["tier"] for tool in read_tools} == {"read"}
    assert {tool["tier"] for tool in write_tools} == {"write"}
    names = {tool["name"] for tool in read_tools + write_tools}
    assert {"get_customer", "add_job_note"} <= names
    assert not names & {"archive_job", "record_payment"}  # restricted: never through the API
    note_tool = next(tool for tool in write_tools if tool["name"] == "add_job_note")
    assert note_tool["input_schema"]["required"] == ["job_id", "text"]


async def test_a_read_tool_answers_from_leap_with_its_execution_time_and_is_audited(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "tools:read")
    data = await api.leap_data("acme")
    customer = next(iter(data.customers.values()))

    response = await api.http.post(
        "/v1/tools/get_customer", json={"customer_id": customer.id}, headers=key["headers"]
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["result"]["id"] == customer.id
    assert customer.last_name in body["result"]["name"]
    assert body["execution_ms"] > 0
    assert response.headers["server-timing"] == f"tool;dur={body['execution_ms']:.1f}"
    audit = (
        await api.http.get("/v1/tenants/acme/audit", params={"tool": "get_customer"}, headers=api.operator)
    ).json()
    assert [(e["channel"], e["actor"], e["outcome"]) for e in audit["entries"]] == [
        ("api", f"key:{key['id']}", "ok")
    ]
    usage = (await api.http.get("/v1/tenants/acme/usage", params={"days": 1}, headers=api.operator)).json()
    assert usage["tool_calls"] == 1


async def test_a_write_tool_needs_the_write_scope_and_then_changes_leap_without_confirmation(api: Api):
    await api.tenant("acme")
    reader = await api.key("acme", "tools:read")
    writer = await api.key("acme", "tools:write")
    job = await open_job(api, "acme")
    data = await api.leap_data("acme")
    note = {"job_id": job.id, "text": "Customer wants a Friday start."}

    refused = await api.http.post("/v1/tools/add_job_note", json=note, headers=reader["headers"])
    assert refused.status_code == 403
    assert refused.json()["type"] == PROBLEMS + "insufficient-scope"
    assert "tools:write" in refused.json()["detail"]
    assert "Customer wants a Friday start." not in notes_on(data, job.id)

    done = await api.http.post("/v1/tools/add_job_note", json=note, headers=writer["headers"])
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "ok"
    assert job.name.split(" - ")[0] in done.json()["summary"]  # named as a person would
    assert notes_on(data, job.id).count("Customer wants a Friday start.") == 1


async def test_a_dry_run_describes_the_change_and_changes_nothing_in_the_sandbox(api: Api):
    await api.tenant("acme")
    writer = await api.key("acme", "tools:write")
    job = await open_job(api, "acme")
    data = await api.leap_data("acme")
    notes_before = dict(data.notes)
    stage_before = job.stage_code
    api.sandbox.clear_requests()

    dry = {"params": {"dry_run": "true"}, "headers": writer["headers"]}
    note = await api.http.post(
        "/v1/tools/add_job_note", json={"job_id": job.id, "text": "Only a test."}, **dry
    )
    stage = await api.http.post(
        "/v1/tools/change_job_stage", json={"job_id": job.id, "stage": "Proposal Sent"}, **dry
    )

    for response in (note, stage):
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "dry_run"
        assert response.json()["result"] is None
    assert "Only a test." in note.json()["summary"]
    assert "Proposal Sent" in stage.json()["summary"]
    assert data.notes == notes_before
    assert job.stage_code == stage_before
    assert {record.method for record in api.sandbox.requests()} == {"GET"}


async def test_an_idempotent_retry_returns_the_first_answer_and_changes_leap_once(api: Api):
    await api.tenant("acme")
    writer = await api.key("acme", "tools:write")
    job = await open_job(api, "acme")
    data = await api.leap_data("acme")
    headers = {**writer["headers"], "Idempotency-Key": "order-7781"}
    note = {"job_id": job.id, "text": "Deposit received."}

    first = await api.http.post("/v1/tools/add_job_note", json=note, headers=headers)
    again = await api.http.post("/v1/tools/add_job_note", json=note, headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert notes_on(data, job.id).count("Deposit received.") == 1

    other = await api.http.post(
        "/v1/tools/add_job_note", json={**note, "text": "Something else."}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["type"] == PROBLEMS + "idempotency-key-reused"
    assert "Something else." not in notes_on(data, job.id)


async def test_concurrent_requests_with_one_idempotency_key_change_leap_once(api: Api):
    await api.tenant("acme")
    writer = await api.key("acme", "tools:write")
    job = await open_job(api, "acme")
    data = await api.leap_data("acme")
    headers = {**writer["headers"], "Idempotency-Key": "burst-1"}
    note = {"job_id": job.id, "text": "Only once, please."}

    responses = await asyncio.gather(
        *(api.http.post("/v1/tools/add_job_note", json=note, headers=headers) for _ in range(8))
    )

    assert notes_on(data, job.id).count("Only once, please.") == 1
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) >= 1
    conflicts = [response.json()["type"] for response in responses if response.status_code == 409]
    assert set(conflicts) <= {PROBLEMS + "idempotency-in-progress"}
    assert len(conflicts) + statuses.count(200) == 8


async def test_a_failed_call_releases_its_idempotency_key_for_the_retry(api: Api):
    await api.tenant("acme")
    writer = await api.key("acme", "tools:write")
    headers = {**writer["headers"], "Idempotency-Key": "retry-me"}

    failed = await api.http.post("/v1/tools/add_job_note", json={"job_id": 1, "text": "x"}, headers=headers)
    assert failed.status_code == 422
    assert failed.json() | {"instance": None} == {
        "type": PROBLEMS + "tool-failed", "title": "The tool could not do it", "status": 422,
        "detail": "There is no job with id 1 in Leap.", "instance": None,
    }  # fmt: skip

    api.sandbox.clear_requests()
    again = await api.http.post("/v1/tools/add_job_note", json={"job_id": 1, "text": "x"}, headers=headers)
    assert again.status_code == 422  # it ran again: not replayed, not a conflict
    assert "idempotent-replayed" not in again.headers
    assert api.sandbox.requests()  # Leap was asked again


async def test_arguments_that_break_the_schema_are_listed_field_by_field(api: Api):
    await api.tenant("acme")
    writer = await api.key("acme", "tools:write")

    response = await api.http.post(
        "/v1/tools/add_job_note", json={"job_id": "soon"}, headers=writer["headers"]
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == PROBLEMS + "validation-error"
    assert {tuple(error["loc"]) for error in problem["errors"]} == {("body", "job_id"), ("body", "text")}
    not_an_object = await api.http.post(
        "/v1/tools/add_job_note", content=b"[1, 2]", headers=writer["headers"]
    )
    assert not_an_object.status_code == 422
    nested_too_deep = await api.http.post(  # once a RecursionError: a 500
        "/v1/tools/add_job_note", content=b"[" * 5000, headers=writer["headers"]
    )
    assert nested_too_deep.status_code == 422
    assert "not valid JSON" in nested_too_deep.json()["detail"]


async def test_unknown_and_restricted_tools_are_refused_with_the_reason(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "tools:read", "tools:write")

    unknown = await api.http.post("/v1/tools/fly_drone", json={}, headers=key["headers"])
    restricted = await api.http.post("/v1/tools/record_payment", json={}, headers=key["headers"])

    assert unknown.status_code == 404
    assert unknown.json()["type"] == PROBLEMS + "tool-not-found"
    assert restricted.status_code == 403
    assert restricted.json()["type"] == PROBLEMS + "tool-refused"
    assert "restricted" in restricted.json()["detail"]


async def test_a_tenant_without_leap_is_told_to_connect_it(api: Api):
    await api.tenant("unplugged", crm="leap")
    key = await api.key("unplugged", "tools:read")

    response = await api.http.post("/v1/tools/company_config", json={}, headers=key["headers"])

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEMS + "leap-not-connected"
    detail = response.json()["detail"]
    assert "PUT /v1/tenants/unplugged/leap" in detail and '"crm": "sandbox"' in detail


async def test_leap_refusing_the_request_reads_as_a_sentence(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "tools:read")

    response = await api.http.post(
        "/v1/tools/get_customer", json={"customer_id": 999999}, headers=key["headers"]
    )

    assert response.status_code == 422
    assert response.json()["type"] == PROBLEMS + "tool-failed"
    assert response.json()["detail"] == "Leap has no such record (Customer Not Found)."


async def test_a_full_leap_queue_answers_leap_is_busy_with_retry_after(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "tools:read")
    customer = next(iter((await api.leap_data("acme")).customers.values()))
    token = await api.admin.tenants.get_leap_token("acme")
    assert token is not None
    bucket = leap_rate_limiter(api.admin.redis, token)  # the budget every worker shares for this key
    # Other requests of this company hold every slot for the next half minute and more.
    queued = [asyncio.create_task(bucket.acquire(3600)) for _ in range(45)]
    try:
        for _ in range(1000):  # each check is a Redis round trip, which lets the queued tasks reserve
            if (await bucket.try_acquire()).retry_after > 31:
                break
        else:
            raise AssertionError("the queue never filled")

        response = await api.http.post(
            "/v1/tools/get_customer", json={"customer_id": customer.id}, headers=key["headers"]
        )
    finally:
        for task in queued:
            task.cancel()
        await asyncio.gather(*queued, return_exceptions=True)

    assert response.status_code == 429, response.text
    assert response.json()["type"] == PROBLEMS + "leap-busy"
    assert "Leap is busy" in response.json()["detail"]
    assert int(response.headers["retry-after"]) >= 30


async def test_the_list_leaves_out_what_the_companys_leap_lacks(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "tools:read", "tools:write")
    token = await api.admin.tenants.get_leap_token("acme")
    assert token is not None
    api.sandbox.set_unpublished(token, enabled=False)
    before = {tool["name"] for tool in (await api.http.get("/v1/tools", headers=key["headers"])).json()}

    await api.admin.brain.check_leap("acme")
    after = {tool["name"] for tool in (await api.http.get("/v1/tools", headers=key["headers"])).json()}
    refused = await api.http.post(
        "/v1/tools/send_text", json={"customer_id": 1, "message": "Hi"}, headers=key["headers"]
    )

    assert {"send_text", "list_tasks"} <= before
    assert before - after == {
        "change_job_stage", "send_email", "send_text", "text_history", "list_emails", "read_email",
        "list_proposals", "list_tasks", "create_task", "assign_task", "complete_task", "list_documents",
        "find_documents", "send_document", "list_worksheets",
    }  # fmt: skip
    assert refused.status_code == 403
    assert "Sending text messages is not available through" in refused.json()["detail"]
