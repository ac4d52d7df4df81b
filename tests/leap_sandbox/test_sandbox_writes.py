"""Writes against the Leap sandbox over real HTTP: validation, bracket forms, JSON, and what each
write changes that a later read (or a mentioned colleague) can see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from leap_sandbox import create_sandbox_app
from leap_sandbox.clock import company_now
from testkit.servers import serve

TOKEN = "sandbox_writes_0001"
LEAD, PROPOSAL_SENT, CONTRACT_SIGNED, MATERIALS_ORDERED, IN_PRODUCTION = (
    f"169160221613415{5000 + position:05d}" for position in (1, 4, 5, 6, 7)
)
MIKE_ALVAREZ, RACHEL_KIM, MIKE_CHEN = 12, 13, 14
ROOFING, GUTTERS = 8, 10

CUSTOMER_FORM = {
    "first_name": "Harold",
    "last_name": "Finch",
    "email": "harold.finch@example.com",
    "phones[0][label]": "cell",
    "phones[0][number]": "3035550177",
    "phones[1][label]": "home",
    "phones[1][number]": "7205550178",
    "phones[1][ext]": "12",
    "address[address]": "1200 Pearl St",
    "address[city]": "Boulder",
    "address[state_id]": "6",
    "address[country_id]": "1",
    "address[zip]": "80302",
    "additional_emails[]": "h.finch@example.org",
    "referred_by_type": "website",
}


@pytest.fixture
def app() -> FastAPI:
    return create_sandbox_app(seed=7, rate_limit_per_minute=10_000)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serve(app) as base_url,
        httpx.AsyncClient(
            base_url=f"{base_url}/api/v3", headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client,
    ):
        yield client


def validation(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 412, response.text
    error = response.json()["error"]
    assert error["status_code"] == 412 and error["message"] == "Validation Failed"
    errors: dict[str, list[str]] = error["validation"]
    return errors


def business_error(response: httpx.Response) -> str:
    assert response.status_code == 412, response.text
    message: str = response.json()["error"]["message"]
    return message


async def job_in_stage(api: httpx.AsyncClient, code: str) -> dict[str, Any]:
    job: dict[str, Any] = (await api.get("/jobs", params={"stages[]": code, "limit": 1})).json()["data"][0]
    return job


# -- customers --------------------------------------------------------------------------------------


async def test_customer_create_reports_every_problem_with_leaps_field_names(api):
    errors = validation(
        await api.post(
            "/customers",
            data={
                "first_name": "Ann",
                "email": "not-an-email",
                "phones[0][label]": "Mobile",
                "phones[0][number]": "555-0101",
                "phones[1][label]": "cell",
                "phones[1][number]": "1234567890123",
            },
        )
    )
    assert errors == {
        "last_name": ["The last name field is required."],
        "email": ["The email must be a valid email address."],
        "phones.0.label": ["The selected phones.0.label is invalid."],
        "phones.0.number": ["The phones.0.number must be between 8 and 12 digits."],
        "phones.1.number": ["The phones.1.number must be between 8 and 12 digits."],
    }


async def test_a_person_with_a_last_name_alone_is_refused_first_name_required(api):
    phone = {"phones[0][label]": "cell", "phones[0][number]": "3035550188"}
    response = await api.post("/customers", data={"last_name": "Ng", **phone})

    assert response.status_code == 412
    assert validation(response) == {"first_name": ["The first name field is required."]}


async def test_customer_needs_at_least_one_phone(api):
    errors = validation(await api.post("/customers", data={"first_name": "Ann", "last_name": "Lee"}))
    assert errors == {"phones": ["The phones field is required."]}


async def test_commercial_customer_needs_company_name_instead_of_last_name(api):
    phone = {"phones[0][label]": "office", "phones[0][number]": "3035550188"}
    errors = validation(await api.post("/customers", data={"is_commercial": "1", **phone}))
    assert errors == {"company_name": ["The company name field is required."]}
    created = await api.post(
        "/customers", data={"is_commercial": "1", "company_name": "Pearl St Lofts", **phone}
    )
    assert created.status_code == 200
    assert created.json()["customer"]["is_commercial"] == 1
    assert created.json()["customer"]["last_name"] is None


async def test_bracket_form_customer_is_stored_with_nested_phones_and_address(api):
    created = await api.post("/customers", data=CUSTOMER_FORM)
    assert created.status_code == 200
    body = created.json()
    assert body["message"] == "Prospect / Customer saved successfully." and body["status"] == 200
    fetched = (
        await api.get(
            f"/customers/{body['customer']['id']}",
            params=[("includes[]", "phones"), ("includes[]", "address")],
        )
    ).json()["data"]
    assert [(p["label"], p["number"], p["ext"]) for p in fetched["phones"]["data"]] == [
        ("cell", "3035550177", None),
        ("home", "7205550178", "12"),
    ]
    assert fetched["phones"]["data"][0]["is_primary"] == 1
    assert (fetched["address"]["address"], fetched["address"]["city"], fetched["address"]["zip"]) == (
        "1200 Pearl St",
        "Boulder",
        "80302",
    )
    assert fetched["address"]["state"] == {"id": 6, "name": "Colorado", "code": "CO"}
    assert fetched["additional_emails"] == ["h.finch@example.org"]
    found = (await api.get("/customers", params={"phone": "(303) 555-0177"})).json()["data"]
    assert [c["id"] for c in found] == [fetched["id"]]


async def test_json_body_creates_the_same_customer_as_the_bracket_form(api):
    json_body = {
        "first_name": "Harold",
        "last_name": "Finch",
        "email": "harold.finch@example.com",
        "phones": [
            {"label": "cell", "number": "3035550177"},
            {"label": "home", "number": "7205550178", "ext": "12"},
        ],
        "address": {
            "address": "1200 Pearl St",
            "city": "Boulder",
            "state_id": 6,
            "country_id": 1,
            "zip": "80302",
        },
        "additional_emails": ["h.finch@example.org"],
        "referred_by_type": "website",
    }
    from_form = (await api.post("/customers", data=CUSTOMER_FORM)).json()["customer"]
    from_json = (await api.post("/customers", json=json_body)).json()["customer"]

    def comparable(customer: dict[str, Any]) -> dict[str, Any]:
        ignored = {"id", "created_at", "updated_at"}
        phones = [{k: v for k, v in p.items() if k != "id"} for p in customer.pop("phones")["data"]]
        addresses = {
            key: {k: v for k, v in customer.pop(key).items() if k != "id"} for key in ("address", "billing")
        }
        return {**{k: v for k, v in customer.items() if k not in ignored}, "phones": phones, **addresses}

    assert comparable(from_json) == comparable(from_form)


async def test_malformed_json_body_is_a_clear_400(api):
    response = await api.post(
        "/customers", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {"status_code": 400, "message": "The request body is not valid JSON."}
    }


async def test_customer_update_changes_what_was_sent_and_keeps_the_rest(api):
    before = (await api.get("/customers/881", params={"includes[]": "address"})).json()["data"]
    response = await api.put(
        "/customers/881",
        data={
            "first_name": before["first_name"],
            "last_name": "Moore-Hayes",
            "phones[0][label]": "office",
            "phones[0][number]": "3035550199",
            "note": "Prefers texts.",
        },
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Prospect / Customer updated successfully."
    after = (
        await api.get("/customers/881", params=[("includes[]", "address"), ("includes[]", "phones")])
    ).json()["data"]
    assert after["last_name"] == "Moore-Hayes" and after["note"] == "Prefers texts."
    assert [(p["label"], p["number"]) for p in after["phones"]["data"]] == [("office", "3035550199")]
    assert after["email"] == before["email"] and after["address"] == before["address"]


async def test_customer_update_still_requires_names_and_phones(api):
    errors = validation(await api.put("/customers/881", data={"note": "x"}))
    assert set(errors) == {"first_name", "last_name", "phones"}


async def test_missing_customer_is_a_404_envelope(api):
    response = await api.get("/customers/1")
    assert response.status_code == 404
    assert response.json() == {"error": {"status_code": 404, "message": "Customer Not Found"}}


# -- prospects and jobs -----------------------------------------------------------------------------


async def test_prospect_creates_customer_and_first_job_in_the_first_stage(api, app):
    response = await api.post(
        "/prospects",
        data={
            **CUSTOMER_FORM,
            "job[description]": "Hail damage on the north slope",
            "job[trades][]": [str(ROOFING), str(GUTTERS)],
            "job[rep_ids][]": str(MIKE_CHEN),
        },
    )
    body = response.json()
    assert response.status_code == 200 and body["first_stage_code"] == LEAD
    assert len(body["job_ids"]) == 1
    job = (
        await api.get(
            f"/jobs/{body['job_ids'][0]}", params=[("includes[]", "trades"), ("includes[]", "reps")]
        )
    ).json()
    job = job["data"]
    assert job["customer_id"] == body["customer"]["id"]
    assert job["current_stage"]["name"] == "Lead"
    assert [t["name"] for t in job["trades"]["data"]] == ["Roofing", "Gutters"]
    assert [r["full_name"] for r in job["reps"]["data"]] == ["Mike Chen"]
    assert job["number"].endswith("-01")
    events = app.state.sandbox.webhook_events(TOKEN)
    assert [(e["action"], e["operation"], e["id"]) for e in events] == [
        ("customers", "create", body["customer"]["id"]),
        ("jobs", "create", job["id"]),
    ]


async def test_prospect_with_a_bad_job_stores_nothing(api):
    response = await api.post(
        "/prospects", data={**CUSTOMER_FORM, "job[description]": "Roof", "job[trades][]": "999"}
    )
    assert validation(response) == {"job.trades.0": ["The selected job.trades.0 is invalid."]}
    assert (await api.get("/customers", params={"email": "harold.finch@example.com"})).json()["data"] == []


async def test_job_update_requires_leaps_fields_and_keeps_unsent_ones(api):
    job = await job_in_stage(api, PROPOSAL_SENT)
    errors = validation(await api.put(f"/jobs/{job['id']}", data={"name": "New name"}))
    assert set(errors) == {"customer_id", "description", "trades", "same_as_customer_address"}
    response = await api.put(
        f"/jobs/{job['id']}",
        data={
            "customer_id": str(job["customer_id"]),
            "description": "Switching to impact-resistant shingles",
            "trades[]": str(ROOFING),
            "same_as_customer_address": "1",
        },
    )
    assert response.status_code == 200 and response.json()["message"] == "Job updated successfully."
    updated = response.json()["data"]
    assert updated["description"] == "Switching to impact-resistant shingles"
    assert updated["name"] == job["name"] and updated["number"] == job["number"]


async def test_job_at_another_address_needs_that_address(api):
    base = {"customer_id": "881", "description": "Rental property roof", "trades[]": str(ROOFING)}
    errors = validation(await api.post("/jobs", data={**base, "same_as_customer_address": "0"}))
    assert errors == {"address": ["The address field is required when same as customer address is 0."]}
    created = await api.post(
        "/jobs",
        data={
            **base,
            "same_as_customer_address": "0",
            "address[address]": "9 Elm St",
            "address[city]": "Golden",
        },
    )
    assert created.status_code == 200 and created.json()["message"] == "Job saved successfully."
    job = (await api.get(f"/jobs/{created.json()['job']['id']}", params={"includes[]": "address"})).json()[
        "data"
    ]
    assert job["same_as_customer_address"] == 0 and job["address"]["city"] == "Golden"


# -- stage change -------------------------------------------------------------------------------------


async def test_stage_change_moves_the_job_and_awards_it_and_back_again(api, app):
    job = await job_in_stage(api, PROPOSAL_SENT)
    assert (
        business_error(await api.get(f"/jobs/{job['id']}/financial_summary")) == "Sorry! Job is not awarded."
    )
    moved = await api.post("/jobs/stage", data={"job_id": str(job["id"]), "stage": CONTRACT_SIGNED})
    assert moved.status_code == 200
    workflow = moved.json()["job_workflow"]
    assert moved.json()["message"] == "Stage saved successfully."
    assert workflow["current_stage"]["name"] == "Contract Signed"
    assert workflow["previous_stage"]["code"] == PROPOSAL_SENT
    after = (await api.get(f"/jobs/{job['id']}")).json()["data"]
    assert after["current_stage"]["code"] == CONTRACT_SIGNED
    assert after["stage_last_modified"] == workflow["stage_last_modified"] > job["stage_last_modified"]
    assert after["awarded_date"] == company_now().date().isoformat()
    summary = (await api.get(f"/jobs/{job['id']}/financial_summary")).json()["data"]
    assert summary[0]["job_id"] == job["id"]

    back = await api.put(f"/jobs/{job['id']}/stage", data={"stage": PROPOSAL_SENT})
    assert back.json()["job_workflow"]["current_stage"]["code"] == PROPOSAL_SENT
    assert (await api.get(f"/jobs/{job['id']}")).json()["data"]["awarded_date"] is None
    assert (
        business_error(await api.get(f"/jobs/{job['id']}/financial_summary")) == "Sorry! Job is not awarded."
    )
    changes = [e for e in app.state.sandbox.webhook_events(TOKEN) if e["operation"] == "stage_change"]
    assert [(e["stage_moved_from"]["name"], e["stage_moved_to"]["name"]) for e in changes] == [
        ("Proposal Sent", "Contract Signed"),
        ("Contract Signed", "Proposal Sent"),
    ]


async def test_stage_change_rejects_unknown_stage_and_job(api):
    errors = validation(await api.post("/jobs/stage", data={"job_id": "1", "stage": "123"}))
    assert errors == {
        "job_id": ["The selected job id is invalid."],
        "stage": ["The selected stage is invalid."],
    }


async def test_a_pending_locked_task_blocks_leaving_its_stage_until_done(api):
    locked = [t for t in (await api.get("/tasks", params={"limit": 100})).json()["data"] if t["locked"]]
    assert len(locked) == 1
    task = locked[0]
    move = {"job_id": str(task["job_id"]), "stage": IN_PRODUCTION}
    blocked = await api.post("/jobs/stage", data=move)
    assert (
        business_error(blocked)
        == "Please complete the pending task in the current workflow stage to proceed."
    )
    assert blocked.json()["error"]["locked_stages"] == [MATERIALS_ORDERED]
    assert (await api.put(f"/tasks/{task['id']}/complete")).status_code == 200
    assert (await api.post("/jobs/stage", data=move)).status_code == 200


async def test_archived_jobs_refuse_reads_and_work_until_unarchived(api):
    archived = (await api.get("/jobs", params={"only_archived": 1})).json()["data"]
    assert len(archived) == 5
    job_id = archived[0]["id"]
    assert business_error(await api.get(f"/jobs/{job_id}")) == "This job has been archived."
    assert (
        business_error(await api.post(f"/jobs/{job_id}/notes", data={"note": "x"}))
        == "This job has been archived."
    )
    assert business_error(await api.post("/jobs/stage", data={"job_id": str(job_id), "stage": LEAD})) == (
        "This job has been archived."
    )
    assert (await api.put(f"/jobs/{job_id}/unarchive")).json()["message"] == "Job unarchived successfully."
    assert (await api.get(f"/jobs/{job_id}")).status_code == 200
    assert business_error(await api.put(f"/jobs/{job_id}/unarchive")) == "This job is not archived."


async def test_missing_job_answers_no_records_found(api):
    assert business_error(await api.get("/jobs/1")) == "No records found!"
    response = await api.get("/jobs/1/notes")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Job Not Found"


# -- notes and mentions -----------------------------------------------------------------------------


async def test_mentions_in_a_note_notify_each_mentioned_user_once(api, app):
    job = await job_in_stage(api, CONTRACT_SIGNED)
    text = f"@[U:{RACHEL_KIM}] please order materials; @[U:{MIKE_CHEN}] FYI. Thanks @[U:{RACHEL_KIM}]!"
    created = await api.post(f"/jobs/{job['id']}/notes", data={"note": text, "stage_code": CONTRACT_SIGNED})
    assert created.status_code == 200 and created.json()["message"] == "Note added successfully."
    note = created.json()["data"]
    assert note["note"] == text and note["stage_code"] == CONTRACT_SIGNED

    for user_id in (RACHEL_KIM, MIKE_CHEN):
        inbox = (await api.get("/notifications", params={"user_id": user_id})).json()["data"]
        assert len(inbox) == 1
        assert inbox[0]["note_id"] == note["id"] and inbox[0]["job_id"] == job["id"]
        assert job["number"] in inbox[0]["message"]
    assert (await api.get("/notifications", params={"user_id": MIKE_ALVAREZ})).json()["data"] == []
    assert sorted(n["user_id"] for n in app.state.sandbox.notifications(TOKEN)) == [RACHEL_KIM, MIKE_CHEN]

    listed = await api.get(
        f"/jobs/{job['id']}/notes", params=[("includes[]", "mentions"), ("includes[]", "created_by")]
    )
    newest = listed.json()["data"][0]
    assert newest["id"] == note["id"]
    assert [u["full_name"] for u in newest["mentions"]["data"]] == ["Rachel Kim", "Mike Chen"]
    assert newest["created_by"]["full_name"] == "Open API User"


async def test_editing_a_note_notifies_only_newly_mentioned_users(api, app):
    job = await job_in_stage(api, LEAD)
    note = (await api.post(f"/jobs/{job['id']}/notes", data={"note": f"Call back @[U:{MIKE_CHEN}]"})).json()[
        "data"
    ]
    edited = await api.put(
        f"/jobs/notes/{note['id']}", data={"note": f"Call back @[U:{MIKE_CHEN}] @[U:{MIKE_ALVAREZ}]"}
    )
    assert edited.json()["message"] == "Note updated successfully."
    assert sorted(n["user_id"] for n in app.state.sandbox.notifications(TOKEN)) == [MIKE_ALVAREZ, MIKE_CHEN]


async def test_mentioning_an_unknown_user_is_refused_and_nothing_is_stored(api, app):
    job = await job_in_stage(api, LEAD)
    before = (await api.get(f"/jobs/{job['id']}/notes")).json()["meta"]["pagination"]["total"]
    errors = validation(await api.post(f"/jobs/{job['id']}/notes", data={"note": "Ping @[U:999]"}))
    assert errors == {"note": ["The mentioned user 999 does not exist."]}
    assert (await api.get(f"/jobs/{job['id']}/notes")).json()["meta"]["pagination"]["total"] == before
    assert app.state.sandbox.notifications(TOKEN) == []


async def test_note_text_is_required_and_multipart_bodies_work(api):
    job = await job_in_stage(api, LEAD)
    assert validation(await api.post(f"/jobs/{job['id']}/notes", data={"note": "  "})) == {
        "note": ["The note field is required."]
    }
    multipart = await api.post(
        f"/jobs/{job['id']}/notes", data={"note": "Sent as multipart"}, files={"attachment": ("a.txt", b"x")}
    )
    assert multipart.status_code == 200 and multipart.json()["data"]["note"] == "Sent as multipart"


async def test_deleting_a_note_removes_it(api):
    job = await job_in_stage(api, LEAD)
    note = (await api.post(f"/jobs/{job['id']}/notes", data={"note": "Temporary"})).json()["data"]
    deleted = await api.delete(f"/jobs/notes/{note['id']}")
    assert deleted.json() == {"message": "Note deleted successfully.", "status": 200}
    remaining = (await api.get(f"/jobs/{job['id']}/notes", params={"limit": 100})).json()["data"]
    assert note["id"] not in [n["id"] for n in remaining]
    assert (await api.delete(f"/jobs/notes/{note['id']}")).status_code == 404


# -- appointments -----------------------------------------------------------------------------------


async def test_appointment_times_are_validated_like_leap(api):
    errors = validation(
        await api.post(
            "/appointments",
            data={
                "title": "Inspection",
                "start_date_time": "2026-08-01 14:00:00",
                "end_date_time": "2026-08-01 13:00:00",
            },
        )
    )
    assert errors == {"end_date_time": ["The end date time must be a date after start date time."]}
    errors = validation(
        await api.post("/appointments", data={"title": "Inspection", "start_date_time": "Aug 1 2pm"})
    )
    assert errors == {
        "start_date_time": ["The start date time does not match the format Y-m-d H:i:s."],
        "end_date_time": ["The end date time field is required."],
    }
    assert validation(await api.post("/appointments", data={"title": "Day off", "full_day": "1"})) == {
        "date": ["The date field is required when full day is 1."]
    }


async def test_appointment_lifecycle_create_find_move_record_result_and_cancel(api):
    start = (company_now() + timedelta(days=2)).replace(hour=10, minute=0, second=0)
    created = await api.post(
        "/appointments",
        data={
            "title": "Roof inspection - Finch",
            "start_date_time": f"{start:%Y-%m-%d %H:%M:%S}",
            "end_date_time": f"{start + timedelta(hours=1):%Y-%m-%d %H:%M:%S}",
            "user_id": str(MIKE_CHEN),
            "customer_id": "881",
            "job_ids[]": "5001",
            "attendees[]": [str(MIKE_ALVAREZ)],
            "reminders[0][type]": "email",
            "reminders[0][minutes]": "60",
        },
    )
    assert created.status_code == 200 and created.json()["message"] == "Appointment saved successfully."
    appointment = created.json()["appointment"]
    detail = (
        await api.get(
            f"/appointments/{appointment['id']}", params=[("includes[]", "reminders"), ("includes[]", "jobs")]
        )
    ).json()["data"]
    assert detail["reminders"] == {"data": [{"type": "email", "minutes": 60}]}
    assert [j["id"] for j in detail["jobs"]["data"]] == [5001]
    day = f"{start:%Y-%m-%d}"
    mine = (
        await api.get(
            "/appointments",
            params={
                "duration": "date",
                "start_date": day,
                "end_date": day,
                "users[]": MIKE_ALVAREZ,
                "includes[]": "user",
            },
        )
    ).json()["data"]
    assert appointment["id"] in [a["id"] for a in mine]
    assert next(a for a in mine if a["id"] == appointment["id"])["user"]["full_name"] == "Mike Chen"

    later = start + timedelta(hours=3)
    moved = await api.put(
        f"/appointments/{appointment['id']}",
        data={
            "title": "Roof inspection - Finch",
            "start_date_time": f"{later:%Y-%m-%d %H:%M:%S}",
            "end_date_time": f"{later + timedelta(hours=1):%Y-%m-%d %H:%M:%S}",
        },
    )
    assert moved.json()["appointment"]["start_date_time"] == f"{later:%Y-%m-%d %H:%M:%S}"
    assert moved.json()["appointment"]["user_id"] == MIKE_CHEN  # not sent, kept

    result = await api.put(
        f"/appointments/{appointment['id']}/result",
        data={
            "result_option_id": "2",
            "result[0][name]": "Notes",
            "result[0][type]": "text",
            "result[0][value]": "Went well",
        },
    )
    assert result.json()["data"]["is_completed"] == 1
    assert (await api.get(f"/appointments/{appointment['id']}/result")).json()["data"] == {
        "result_option_id": 2,
        "result": [{"name": "Notes", "type": "text", "value": "Went well"}],
    }

    cancelled = await api.delete(f"/appointments/{appointment['id']}")
    assert cancelled.json() == {"message": "Appointment deleted successfully.", "status": 200}
    assert (await api.get(f"/appointments/{appointment['id']}")).status_code == 404


async def test_full_day_appointment_today_is_listed_today_and_upcoming(api):
    today = company_now().date().isoformat()
    created = (
        await api.post("/appointments", data={"title": "Yard sign drop", "full_day": "1", "date": today})
    ).json()
    appointment_id = created["appointment"]["id"]
    for duration in ("today", "upcoming"):
        listed = (await api.get("/appointments", params={"duration": duration, "limit": 100})).json()["data"]
        assert appointment_id in [a["id"] for a in listed], duration
    past = (await api.get("/appointments", params={"duration": "past", "limit": 100})).json()["data"]
    assert appointment_id not in [a["id"] for a in past]


# -- tasks ------------------------------------------------------------------------------------------


async def test_task_lifecycle_create_reassign_complete_reopen_delete(api, app):
    job = await job_in_stage(api, PROPOSAL_SENT)
    assert validation(await api.post("/tasks", data={"title": "Call"})) == {
        "users": ["The users field is required."]
    }
    created = await api.post(
        "/tasks",
        data={
            "title": "Call the adjuster",
            "users[]": str(MIKE_CHEN),
            "job_id": str(job["id"]),
            "due_date": "2026-12-01",
        },
    )
    task = created.json()["data"]
    assert created.json()["message"] == "Task saved successfully."
    assert [u["id"] for u in task["participants"]["data"]] == [MIKE_CHEN] and task["due_date"] == "2026-12-01"

    reassigned = (
        await api.put(f"/tasks/{task['id']}", data={"users[]": str(MIKE_ALVAREZ), "due_date": ""})
    ).json()
    assert [u["id"] for u in reassigned["data"]["participants"]["data"]] == [MIKE_ALVAREZ]
    assert reassigned["data"]["due_date"] is None and reassigned["data"]["title"] == "Call the adjuster"

    pending = (
        await api.get("/tasks", params={"users[]": MIKE_ALVAREZ, "status": "pending", "limit": 100})
    ).json()
    assert task["id"] in [t["id"] for t in pending["data"]]
    completed = (await api.put(f"/tasks/{task['id']}/complete")).json()["data"]
    assert completed["completed"] is not None and completed["completed_by"] == 1
    assert business_error(await api.put(f"/tasks/{task['id']}/complete")) == "Task already completed."
    reopened = (await api.put(f"/tasks/{task['id']}/reopen")).json()["data"]
    assert reopened["completed"] is None
    assert (await api.delete(f"/tasks/{task['id']}")).json()["message"] == "Task deleted successfully."
    assert (await api.get(f"/tasks/{task['id']}")).status_code == 404
    task_events = [
        (e["operation"], e["id"]) for e in app.state.sandbox.webhook_events(TOKEN) if e["action"] == "tasks"
    ]
    assert task_events == [("create", task["id"]), ("complete", task["id"])]


# -- messages ---------------------------------------------------------------------------------------


async def test_sent_email_lands_in_the_outbox_and_the_email_list(api, app):
    errors = validation(await api.post("/emails/send", data={"to[]": "nobody", "subject": "Hi"}))
    assert errors == {
        "to.0": ["The to.0 must be a valid email address."],
        "content": ["The content field is required."],
    }
    sent = await api.post(
        "/emails/send",
        data={
            "to[]": "joseph.moore@example.net",
            "subject": "Your proposal",
            "content": "<p>Attached.</p>",
            "job_id": "5001",
        },
    )
    assert sent.json()["message"] == "Email sent successfully."
    email = sent.json()["email"]
    assert (await api.get(f"/emails/{email['id']}")).json()["data"]["subject"] == "Your proposal"
    assert (await api.get("/emails", params={"job_id": 5001})).json()["data"][0]["id"] == email["id"]
    outbox = app.state.sandbox.outbox(TOKEN)
    assert [e["id"] for e in outbox["emails"]] == [email["id"]] and outbox["texts"] == []


async def test_texts_respect_length_and_consent_and_join_the_numbers_thread(api, app):
    assert validation(
        await api.post("/phone_messages", data={"phone_number": "3035550100", "message": "x" * 161})
    ) == {"message": ["The message may not be greater than 160 characters."]}
    opted_out = sorted(app.state.sandbox.dataset(TOKEN).sms_opted_out)[0]
    refused = await api.post("/phone_messages", data={"phone_number": opted_out, "message": "Hi"})
    assert business_error(refused) == "The customer has not consented to receive text messages."

    thread = (await api.get("/messages/thread_list", params={"limit": 1})).json()["data"][0]
    sent = await api.post(
        "/phone_messages", data={"phone_number": thread["phone_number"], "message": "Crew at 8am."}
    )
    assert sent.json()["message"] == "Message sent successfully."
    messages = (await api.get(f"/messages/{thread['id']}", params={"limit": 100})).json()["data"]
    assert messages[-1]["content"] == "Crew at 8am." and messages[-1]["direction"] == "outbound"
    assert [t["content"] for t in app.state.sandbox.outbox(TOKEN)["texts"]] == ["Crew at 8am."]


# -- money and undo helpers -------------------------------------------------------------------------


async def test_recording_and_cancelling_a_payment_moves_the_balance_both_ways(api):
    job = (await api.get("/jobs", params={"stages[]": f"169160221613415{5009:05d}", "limit": 1})).json()[
        "data"
    ][0]
    before = (await api.get(f"/jobs/{job['id']}/financial_summary")).json()["data"][0]
    assert before["total_amount_owed"] > 0
    paid = await api.post(f"/jobs/{job['id']}/payments", data={"payment": "250.50", "method": "check"})
    payment = paid.json()["data"]
    assert paid.json()["message"] == "Payment saved successfully." and payment["payment"] == 250.5
    during = (await api.get(f"/jobs/{job['id']}/financial_summary")).json()["data"][0]
    assert during["total_amount_owed"] == round(before["total_amount_owed"] - 250.5, 2)
    open_invoice = (await api.get(f"/jobs/{job['id']}/invoices", params={"status": "open"})).json()["data"][0]
    cancelled = await api.put(f"/jobs/payments/{payment['id']}/cancel", data={"cancel_note": "Bounced"})
    assert cancelled.json()["data"]["status"] == "canceled"
    after = (await api.get(f"/jobs/{job['id']}/financial_summary")).json()["data"][0]
    assert after == before
    restored = (await api.get(f"/jobs/{job['id']}/invoices", params={"status": "open"})).json()["data"][0]
    assert restored["open_balance"] == round(open_invoice["open_balance"] + 250.5, 2)
    assert (
        business_error(await api.put(f"/jobs/payments/{payment['id']}/cancel")) == "Payment already canceled."
    )


async def test_payment_validation_and_unawarded_jobs(api):
    awarded = await job_in_stage(api, IN_PRODUCTION)
    errors = validation(
        await api.post(f"/jobs/{awarded['id']}/payments", data={"payment": "-5", "method": "barter"})
    )
    assert errors == {
        "payment": ["The payment must be greater than 0."],
        "method": ["The selected method is invalid."],
    }
    lead = await job_in_stage(api, LEAD)
    response = await api.post(f"/jobs/{lead['id']}/payments", data={"payment": "5", "method": "cash"})
    assert business_error(response) == "Sorry! Job is not awarded."


async def test_deleting_a_new_customer_removes_their_lead_jobs_but_not_active_customers(api):
    created = (
        await api.post(
            "/prospects", data={**CUSTOMER_FORM, "job[description]": "Roof", "job[trades][]": str(ROOFING)}
        )
    ).json()
    response = await api.delete(f"/customers/{created['customer']['id']}")
    assert response.json() == {"message": "Customer deleted successfully.", "status": 200}
    assert (await api.get(f"/customers/{created['customer']['id']}")).status_code == 404
    assert business_error(await api.get(f"/jobs/{created['job_ids'][0]}")) == "No records found!"
    active = await job_in_stage(api, IN_PRODUCTION)
    refused = await api.delete(f"/customers/{active['customer_id']}")
    assert business_error(refused) == "Customer has jobs in progress and cannot be deleted."
