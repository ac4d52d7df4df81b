"""Reads against the Leap sandbox over real HTTP: search filters, and demo data a caller can work with."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from leap_sandbox import create_sandbox_app
from leap_sandbox.clock import company_now, format_timestamp
from testkit.servers import serve

TOKEN = "sandbox_reads_00001"


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    app = create_sandbox_app(seed=7, rate_limit_per_minute=10_000)
    async with (
        serve(app) as base_url,
        httpx.AsyncClient(
            base_url=f"{base_url}/api/v3", headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client,
    ):
        yield client


async def everything(api: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """All pages of a list."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        body = (await api.get(path, params={**params, "limit": 100, "page": page})).json()
        found += body["data"]
        if "next" not in body["meta"]["pagination"]["links"]:
            return found
        page += 1


# -- the demo company -------------------------------------------------------------------------------


async def test_workflow_has_ten_roofing_stages_each_holding_live_jobs(api):
    stages = (await api.get("/workflow/stages")).json()["data"]
    names = [stage["name"] for stage in stages]
    assert names == [
        "Lead",
        "Inspection Scheduled",
        "Estimate Prepared",
        "Proposal Sent",
        "Contract Signed",
        "Materials Ordered",
        "In Production",
        "Final Inspection",
        "Invoiced",
        "Paid & Closed",
    ]
    assert [stage["position"] for stage in stages] == list(range(1, 11))
    jobs = await everything(api, "/jobs")
    per_stage = Counter(job["current_stage"]["code"] for job in jobs)
    assert all(per_stage[stage["code"]] == stage["jobs_count"] > 0 for stage in stages)
    assert len(jobs) == 75 and len(await everything(api, "/jobs", only_archived=1)) == 5


async def test_staff_includes_two_mikes_and_the_roles_a_roofer_has(api):
    users = (await api.get("/company/users", params={"includes[]": "profile"})).json()["data"]
    assert len(users) == 8
    mikes = (await api.get("/company/users", params={"keyword": "mike"})).json()["data"]
    assert sorted(u["full_name"] for u in mikes) == ["Mike Alvarez", "Mike Chen"]
    positions = Counter(u["profile"]["position"] for u in users)
    assert positions["Owner"] == 1 and positions["Sales Rep"] == 2 and positions["Crew Lead"] == 2


async def test_trades_divisions_referrals_and_geography(api):
    trades = (await api.get("/company/trades", params={"includes[]": "work_types"})).json()["data"]
    assert {"Roofing", "Siding", "Gutters", "Windows"} <= {t["name"] for t in trades}
    roofing = next(t for t in trades if t["name"] == "Roofing")
    assert "Asphalt Shingle Replacement" in [w["name"] for w in roofing["work_types"]["data"]]
    divisions = (await api.get("/divisions", params={"includes[]": "address"})).json()["data"]
    assert {d["name"] for d in divisions} == {"Residential", "Insurance Restoration", "Commercial"}
    assert divisions[0]["address"]["city"] == "Denver"
    assert (await api.get("/referrals")).json()["meta"]["pagination"]["total"] >= 5
    states = (await api.get("/countries/1/states")).json()["data"]
    assert {"id": 6, "name": "Colorado", "code": "CO", "country_id": 1} in states
    assert (await api.get("/countries/99/states")).status_code == 404


async def test_customers_live_in_one_metro_with_valid_phones(api):
    customers = await everything(api, "/customers", **{"includes[]": ["phones", "address"]})
    assert len(customers) == 50
    assert {c["address"]["state"]["code"] for c in customers} == {"CO"}
    numbers = [p["number"] for c in customers for p in c["phones"]["data"]]
    assert len(numbers) == len(set(numbers))
    assert all(n[:3] in ("303", "720") and len(n) == 10 for n in numbers)
    assert sum(1 for c in customers if c["is_commercial"]) == 3


async def test_appointments_span_past_today_and_future(api):
    past = await everything(api, "/appointments", duration="past")
    upcoming = await everything(api, "/appointments", duration="upcoming")
    assert past and upcoming
    now = format_timestamp(company_now())
    assert now is not None
    assert all(a["end_date_time"] < now for a in past)
    assert all(a["end_date_time"] >= now for a in upcoming)
    assert {a["id"] for a in past}.isdisjoint(a["id"] for a in upcoming)
    before_today = [a for a in past if a["customer_id"] and a["end_date_time"][:10] < now[:10]]
    assert before_today and all(a["is_completed"] == 1 and a["result_option_id"] for a in before_today)


async def test_money_exists_only_on_awarded_jobs_and_adds_up(api):
    awarded = await everything(api, "/jobs", awarded_jobs=1)
    not_awarded = await everything(api, "/jobs", awarded_jobs=0)
    assert len(awarded) + len(not_awarded) == 75
    for job in not_awarded[:5]:
        assert (await api.get(f"/jobs/{job['id']}/invoices")).json()["data"] == []
    for job in awarded:
        summary = (await api.get(f"/jobs/{job['id']}/financial_summary")).json()["data"][0]
        payments = (await api.get(f"/jobs/{job['id']}/payment_history")).json()["data"]
        assert summary["total_payment_received"] == round(sum(p["payment"] for p in payments), 2)
        owed = (
            summary["total_job_price"]
            + summary["total_change_order_amount"]
            - summary["total_payment_received"]
        )
        assert summary["total_amount_owed"] == round(owed, 2)
        if job["current_stage"]["name"] == "Paid & Closed":
            assert summary["total_amount_owed"] == 0
            open_invoices = (await api.get(f"/jobs/{job['id']}/invoices", params={"status": "open"})).json()
            assert open_invoices["data"] == []


async def test_production_schedule_has_crews_on_awarded_jobs(api):
    schedules = await everything(api, "/schedules", **{"includes[]": ["reps", "job"]})
    assert schedules
    for schedule in schedules:
        assert schedule["start_date_time"] < schedule["end_date_time"]
        assert schedule["reps"]["data"][0]["full_name"] in ("Luis Ramirez", "Travis Nguyen")
        assert schedule["job"]["awarded_date"] is not None
    week = (company_now().date(), company_now().date())
    current = await everything(
        api, "/schedules", start_date=week[0].isoformat(), end_date=week[1].isoformat()
    )
    assert all(s["start_date_time"][:10] <= week[1].isoformat() <= s["end_date_time"][:10] for s in current)


# -- customer search ----------------------------------------------------------------------------------


async def test_customer_lookup_by_phone_email_and_name(api):
    customer = (await api.get("/customers/900", params={"includes[]": "phones"})).json()["data"]
    number = customer["phones"]["data"][0]["number"]
    by_phone = (await api.get("/customers", params={"phone": number})).json()["data"]
    assert [c["id"] for c in by_phone] == [900]
    spoken = f"({number[:3]}) {number[3:6]}-{number[6:]}"
    assert [
        c["id"]
        for c in (await api.get("/customers", params={"phone[]": [spoken, "0000000000"]})).json()["data"]
    ] == [900]
    with_email = next(c for c in await everything(api, "/customers") if c["email"])
    by_email = (await api.get("/customers", params={"email": with_email["email"].upper()})).json()["data"]
    assert [c["id"] for c in by_email] == [with_email["id"]]
    by_name = (await api.get("/customers", params={"name": with_email["last_name"][:4].lower()})).json()[
        "data"
    ]
    assert with_email["id"] in [c["id"] for c in by_name]


async def test_query_only_finds_customers_that_have_an_email_like_leap(api):
    without_email = next(c for c in await everything(api, "/customers") if not c["email"])
    full_name = f"{without_email['first_name']} {without_email['last_name']}"
    assert (await api.get("/customers", params={"query": full_name})).json()["data"] == []
    assert without_email["id"] in [
        c["id"] for c in (await api.get("/customers", params={"name": full_name})).json()["data"]
    ]


async def test_customer_filters_by_city_jobs_and_stage(api):
    in_aurora = await everything(api, "/customers", city="aurora", **{"includes[]": "address"})
    assert in_aurora and all(c["address"]["city"] == "Aurora" for c in in_aurora)
    without_jobs = await everything(api, "/customers", has_jobs=0)
    assert len(without_jobs) == 2
    proposal_sent = "16916022161341505004"
    customers = await everything(api, "/customers", **{"stages[]": proposal_sent})
    jobs = await everything(api, "/jobs", **{"stages[]": proposal_sent})
    assert {c["id"] for c in customers} == {j["customer_id"] for j in jobs}


# -- job search ---------------------------------------------------------------------------------------


async def test_job_lookup_by_number_keyword_customer_and_rep(api):
    jobs = await everything(api, "/jobs", **{"includes[]": "customer"})
    target = jobs[7]
    by_number = (await api.get("/jobs", params={"job_number": target["number"]})).json()["data"]
    assert [j["id"] for j in by_number] == [target["id"]]
    surname = target["customer"]["last_name"] or target["customer"]["company_name"]
    by_keyword = await everything(api, "/jobs", keyword=surname.lower())
    assert target["id"] in [j["id"] for j in by_keyword]
    by_customer = await everything(api, "/jobs", customer_id=target["customer_id"])
    assert {j["customer_id"] for j in by_customer} == {target["customer_id"]}
    mike_chen = await everything(api, "/jobs", **{"rep_ids[]": 14, "includes[]": "reps"})
    assert mike_chen and all(14 in [r["id"] for r in j["reps"]["data"]] for j in mike_chen)


async def test_job_date_ranges_and_sorting(api):
    today = company_now().date()
    recent = await everything(
        api, "/jobs", date_range_type="job_created_date", start_date=f"{today.replace(day=1):%Y-%m-%d}"
    )
    assert all(j["created_date"] >= f"{today.replace(day=1):%Y-%m-%d}" for j in recent)
    by_name = await everything(api, "/jobs", sort_by="name", sort_order="asc")
    assert [j["name"].lower() for j in by_name] == sorted(j["name"].lower() for j in by_name)
    newest_first = await everything(api, "/jobs")
    assert [j["created_at"] for j in newest_first] == sorted(
        (j["created_at"] for j in newest_first), reverse=True
    )
    bad = await api.get("/jobs", params={"sort_by": "colour"})
    assert bad.status_code == 412 and bad.json()["error"]["validation"] == {
        "sort_by": ["The selected sort by is invalid."]
    }
    bad_date = await api.get("/jobs", params={"start_date": "yesterday"})
    assert bad_date.json()["error"]["validation"] == {
        "start_date": ["The start date does not match the format Y-m-d."]
    }


async def test_job_detail_includes_financial_details_and_insurance(api):
    insured = next(j for j in await everything(api, "/jobs", awarded_jobs=1) if j["insurance"] == "1")
    detail = (
        await api.get(
            f"/jobs/{insured['id']}",
            params=[
                ("includes[]", n)
                for n in ("financial_details", "insurance_details", "estimators", "sub_contractors")
            ],
        )
    ).json()["data"]
    assert detail["financial_details"]["total_job_price"] > 0
    assert detail["insurance_details"]["insurance_company"]
    assert detail["sub_contractors"]["data"] or detail["current_stage"]["name"] == "Contract Signed"


# -- paperwork and messages ---------------------------------------------------------------------------


async def test_proposals_documents_and_worksheets(api):
    sent = await everything(api, "/proposals", status="sent") + await everything(
        api, "/proposals", status="viewed"
    )
    assert sent and all(p["status"] in ("sent", "viewed") for p in sent)
    job_id = sent[0]["job_id"]
    documents = (await api.get(f"/jobs/{job_id}/documents")).json()["data"]
    assert {"measurement", "photo", "estimate", "proposal"} <= {d["type"] for d in documents}
    photos = (await api.get(f"/jobs/{job_id}/documents", params={"type": "photo"})).json()["data"]
    assert photos and all(d["file_mime_type"] == "image/jpeg" for d in photos)
    assert (await api.get(f"/jobs/{job_id}/documents", params={"type": "selfie"})).status_code == 412
    sheets = (await api.get("/worksheets", params={"job_id": job_id})).json()["data"]
    assert {s["type"] for s in sheets} == {"estimate", "proposal"}
    estimates = (await api.get(f"/jobs/{job_id}/estimations")).json()["data"]
    assert len(estimates) == 1 and "status" not in estimates[0]


async def test_unread_email_and_text_threads(api):
    unread = await everything(api, "/emails", is_read=0)
    assert unread and all(e["status"] == "received" for e in unread)
    threads = await everything(api, "/messages/thread_list", type="SMS")
    assert len(threads) == 10
    for thread in threads:
        assert thread["message_count"] == len(await everything(api, f"/messages/{thread['id']}"))
    updated = [t["updated_at"] for t in threads]
    assert updated == sorted(updated, reverse=True)


async def test_sub_contractor_filters(api):
    active = await everything(api, "/sub_contractors")
    everyone = await everything(api, "/sub_contractors", with_deactivated=1)
    inactive = await everything(api, "/sub_contractors", only_deactivated=1)
    assert len(everyone) == len(active) + len(inactive) and [s["company_name"] for s in inactive] == [
        "Castillo Crew"
    ]
    labor = await everything(api, "/sub_contractors", type="labor")
    assert [s["company_name"] for s in labor] == ["Valdez Roofing Labor"]
    gutters = await everything(api, "/sub_contractors", query="gutter")
    assert [s["trades"]["data"][0]["name"] for s in gutters] == ["Gutters"]
