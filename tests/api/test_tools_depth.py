"""The CRM depth tools through the Direct Tools API, where what the caller reads is the point: the
company's open money, and a rescheduled appointment whose homeowner gets the text."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from tests.api.conftest import Api


async def test_a_reps_open_invoices_are_the_sandboxs(api: Api):
    """One rep's invoices: the whole company's report reads every job at Leap's real pace (about a
    request a second), longer than this client waits; the tool tests cover the company-wide sums."""
    await api.tenant("acme")
    reader = await api.key("acme", "tools:read")
    data = await api.leap_data("acme")
    live = {j.id: j for j in data.jobs.values() if data.is_awarded(j) and j.archived is None}
    rep_id = next(
        live[i.job_id].rep_ids[0] for i in data.invoices.values() if i.job_id in live and i.open_balance > 0
    )
    rep = data.users[rep_id]

    answer = await api.http.post(
        "/v1/tools/company_financials",
        json={"about": "invoices", "rep": rep.full_name},
        headers=reader["headers"],
    )

    assert answer.status_code == 200, answer.text
    theirs = [i for i in data.invoices.values() if i.job_id in live and rep_id in live[i.job_id].rep_ids]
    still_open = [i for i in theirs if i.open_balance > 0]
    assert answer.json()["result"]["open_invoices"] == {
        "balance": f"${sum(i.open_balance for i in still_open):,.2f}",
        "count": len(still_open),
    }
    assert answer.json()["result"]["by_rep"][0]["rep"] == rep.full_name


async def test_a_rescheduled_appointment_texts_the_homeowner_only_when_carried_out(api: Api):
    await api.tenant("acme")
    writer = await api.key("acme", "tools:write")
    data = await api.leap_data("acme")
    token = await api.admin.tenants.get_leap_token("acme")
    appointment = next(
        a
        for a in sorted(data.appointments.values(), key=lambda a: a.id)
        if not a.full_day
        and a.customer_id
        and data.customers[a.customer_id].phones[0].label == "cell"
        and data.customers[a.customer_id].phones[0].number not in data.sms_opted_out
    )
    customer = data.customers[appointment.customer_id]
    new_start = datetime.combine(appointment.start.date() + timedelta(days=1), time(9, 30))
    move = {"appointment_id": appointment.id, "start": new_start.isoformat(), "text_homeowner": True}

    dry = await api.http.post(
        "/v1/tools/update_appointment", json=move, params={"dry_run": "true"}, headers=writer["headers"]
    )
    assert dry.status_code == 200, dry.text
    assert f"and text {customer.full_name}" in dry.json()["summary"]
    assert api.sandbox.outbox(token)["texts"] == [] and appointment.start != new_start

    done = await api.http.post("/v1/tools/update_appointment", json=move, headers=writer["headers"])

    assert done.status_code == 200, done.text
    assert data.appointments[appointment.id].start == new_start
    [text] = api.sandbox.outbox(token)["texts"]
    assert text["phone_number"] == customer.phones[0].number
    assert "9:30 AM" in text["content"] and text["content"].startswith(f"Hi {customer.first_name},")
    assert done.json()["result"]["text"].startswith(f"sent to {customer.full_name}")
