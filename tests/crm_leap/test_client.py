"""The Leap client against the sandbox over real HTTP: auth, paging, includes, errors, retries."""

from __future__ import annotations

import asyncio

import pytest

from crm_leap import (
    LeapArchivedJob,
    LeapAuthError,
    LeapClient,
    LeapNotFound,
    LeapRateLimited,
    LeapUnavailable,
    LeapValidationError,
    NewCustomer,
    Phone,
    RetryPolicy,
)
from crm_leap.transport import LeapTransport
from leap_sandbox import FaultKind, FaultRule
from tests.crm_leap.conftest import FAST_RETRY, TIMEOUT


def api_calls(sandbox, token, method=None, path_part=""):
    return [
        record
        for record in sandbox.requests(token)
        if (method is None or record.method == method) and path_part in record.path
    ]


async def test_a_bad_token_is_an_auth_error(leap_url):
    async with LeapClient("not-a-real-token", base_url=leap_url, retry=FAST_RETRY) as client:
        with pytest.raises(LeapAuthError, match="401"):
            await client.workflow_stages()


async def test_the_token_is_sent_as_bearer_and_never_shown(leap, token):
    stages = await leap.workflow_stages()

    assert stages and all(stage["code"].isdigit() for stage in stages)
    assert token not in repr(leap)


async def test_lists_are_paged_lazily(leap, leap_url, sandbox, token):
    everyone = (await leap.find_customers(limit=1)).total
    sandbox.clear_requests()
    transport = LeapTransport(token, base_url=leap_url)
    try:
        seen = []
        async for customer in transport.iterate("/customers", operation="list customers", page_size=7):
            seen.append(customer["id"])
            if len(seen) == 7:
                break
        pages_for_seven = len(api_calls(sandbox, token, "GET", "/customers"))
        listed = [item["id"] async for item in transport.iterate("/customers", operation="list", page_size=7)]
    finally:
        await transport.aclose()

    assert pages_for_seven == 1
    assert len(listed) == len(set(listed)) == everyone > 7


async def test_page_size_is_clamped_to_leaps_maximum(leap, sandbox, token):
    await leap.find_customers(limit=500)

    (request,) = api_calls(sandbox, token, "GET", "/customers")
    assert "limit=100" in request.query


async def test_included_relations_arrive_unwrapped(leap):
    job_id = (await leap.find_jobs(limit=1)).items[0]["id"]

    job = await leap.get_job(job_id)

    assert isinstance(job["customer"], dict) and job["customer"]["id"] == job["customer_id"]
    assert isinstance(job["reps"], list) and all("id" in rep for rep in job["reps"])
    assert isinstance(job["trades"], list) and job["trades"][0]["name"]


async def test_writes_are_form_encoded_with_bracket_keys(leap, sandbox, token):
    customer = await leap.create_customer(
        NewCustomer(first_name="Ada", last_name="Quinn", phones=[Phone("3035550999", "cell")])
    )

    (request,) = api_calls(sandbox, token, "POST", "/customers")
    assert request.content_type.startswith("application/x-www-form-urlencoded")
    assert "phones%5B0%5D%5Bnumber%5D=3035550999" in request.body
    assert customer["first_name"] == "Ada"


async def test_validation_messages_reach_the_caller(leap):
    with pytest.raises(LeapValidationError) as refused:
        await leap.create_customer(
            NewCustomer(first_name="Ada", last_name=None, phones=[Phone("123", "cell")])
        )

    assert refused.value.status == 412
    assert "last_name" in refused.value.fields
    assert any(field.startswith("phones.0") for field in refused.value.fields)
    assert "phones.0.number" in str(refused.value)


async def test_missing_records_are_not_found(leap):
    with pytest.raises(LeapNotFound):
        await leap.get_job(999_999)
    with pytest.raises(LeapNotFound):
        await leap.get_customer(999_999)


async def test_an_archived_job_says_so(leap):
    jobs = await leap.find_jobs(include_archived=True, limit=100)
    archived = next(job for job in jobs.items if job.get("archived"))

    with pytest.raises(LeapArchivedJob, match="archived"):
        await leap.get_job(archived["id"])


async def test_reads_are_retried_through_server_errors(leap, sandbox, token):
    job_id = (await leap.find_jobs(limit=1)).items[0]["id"]
    sandbox.add_fault(FaultRule(method="GET", path="/jobs/{id}", kind=FaultKind.SERVER_ERROR, count=2))

    job = await leap.get_job(job_id)

    assert job["id"] == job_id
    assert [record.status for record in api_calls(sandbox, token, "GET", f"/jobs/{job_id}")] == [
        500,
        500,
        200,
    ]


async def test_read_retries_are_bounded(leap, sandbox, token):
    sandbox.add_fault(FaultRule(method="GET", path="/workflow/stages", kind=FaultKind.SERVER_ERROR))

    with pytest.raises(LeapUnavailable):
        await leap.workflow_stages()

    assert len(api_calls(sandbox, token, "GET", "/workflow/stages")) == FAST_RETRY.attempts


async def test_reads_are_retried_after_a_timeout(impatient_leap, sandbox, token):
    sandbox.add_fault(FaultRule(method="GET", path="/company/trades", kind=FaultKind.TIMEOUT, count=1))

    trades = await impatient_leap.trades()

    assert trades
    assert [record.status for record in api_calls(sandbox, token, "GET", "/company/trades")] == [499, 200]


async def test_a_garbled_answer_to_a_read_is_retried(leap, sandbox, token):
    sandbox.add_fault(FaultRule(method="GET", path="/workflow/stages", kind=FaultKind.MALFORMED, count=1))

    assert await leap.workflow_stages()
    assert len(api_calls(sandbox, token, "GET", "/workflow/stages")) == 2


async def test_reads_wait_out_a_429_for_as_long_as_retry_after_says(leap, sandbox, token):
    # Throttled for 1.5 s (Retry-After: 2). With one retry and a 10 ms backoff, a client that
    # ignored Retry-After would retry inside the window, be refused again, and fail.
    sandbox.add_fault(
        FaultRule(method="GET", path="/company/trades", kind=FaultKind.RATE_LIMITED, seconds=1.5)
    )
    patient = LeapClient(
        token,
        base_url=leap.base_url,
        retry=RetryPolicy(attempts=2, base_delay=0.01, max_retry_after=10.0),
        timeout=TIMEOUT,
    )
    async with patient:
        trades = await patient.trades()

    assert trades
    assert [record.status for record in api_calls(sandbox, token, "GET", "/company/trades")] == [429, 200]


async def test_a_retry_after_beyond_the_bound_is_reported_at_once(leap, sandbox, token):
    sandbox.add_fault(
        FaultRule(method="GET", path="/company/trades", kind=FaultKind.RATE_LIMITED, retry_after=600, count=1)
    )

    with pytest.raises(LeapRateLimited) as refused:
        await leap.trades()

    assert refused.value.retry_after == 600
    assert len(api_calls(sandbox, token, "GET", "/company/trades")) == 1


async def test_a_write_refused_by_the_rate_limit_is_sent_again(leap, sandbox, token):
    # Leap's throttle answers 429 before any handler runs, so nothing was written: safe to resend.
    job_id = (await leap.find_jobs(limit=1)).items[0]["id"]
    sandbox.add_fault(FaultRule(method="POST", path="/jobs/{id}/notes", kind=FaultKind.RATE_LIMITED, count=1))

    note = await leap.add_job_note(job_id, "Dumpster arrives Monday.")

    assert [record.status for record in api_calls(sandbox, token, "POST", "/notes")] == [429, 200]
    notes = await leap.list_job_notes(job_id, limit=50)
    assert [item["id"] for item in notes.items if "Dumpster" in item["note"]] == [note["id"]]


async def test_a_write_that_failed_on_leaps_side_is_not_repeated(leap, sandbox, token):
    job_id = (await leap.find_jobs(limit=1)).items[0]["id"]
    sandbox.add_fault(FaultRule(method="POST", path="/jobs/{id}/notes", kind=FaultKind.SERVER_ERROR, count=1))

    with pytest.raises(LeapUnavailable):
        await leap.add_job_note(job_id, "Ladder left at the side gate.")

    assert len(api_calls(sandbox, token, "POST", f"/jobs/{job_id}/notes")) == 1
    notes = await leap.list_job_notes(job_id, limit=50)
    assert not [note for note in notes.items if "Ladder" in note["note"]]


async def test_a_write_that_timed_out_is_not_repeated(leap, impatient_leap, sandbox, token):
    job_id = (await leap.find_jobs(limit=1)).items[0]["id"]
    sandbox.add_fault(FaultRule(method="POST", path="/jobs/{id}/notes", kind=FaultKind.TIMEOUT, count=1))

    with pytest.raises(LeapUnavailable):
        await impatient_leap.add_job_note(job_id, "Gate code 4411.")

    notes = await leap.list_job_notes(job_id, limit=50)
    assert not [note for note in notes.items if "Gate code" in note["note"]]
    # The held request is logged once the sandbox notices the hang-up; a retry would be logged already.
    while not api_calls(sandbox, token, "POST", f"/jobs/{job_id}/notes"):
        await asyncio.sleep(0.02)
    assert [record.status for record in api_calls(sandbox, token, "POST", f"/jobs/{job_id}/notes")] == [499]
