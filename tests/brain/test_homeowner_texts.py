"""Telling the homeowner goes through the same safety policy as the change itself: in a typed
conversation the text is read back with the move, and nothing is sent (nor moved) before the yes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from testkit.fakes.anthropic import on_tool_result, on_user, reply, tool_use
from tests.brain.conftest import action_ids


async def test_a_move_with_a_text_waits_for_the_yes_then_does_both(world):
    data = world.data
    appointment = next(
        a
        for a in sorted(data.appointments.values(), key=lambda a: a.id)
        if not a.full_day
        and a.customer_id
        and data.customers[a.customer_id].phones[0].label == "cell"
        and data.customers[a.customer_id].phones[0].number not in data.sms_opted_out
    )
    customer = data.customers[appointment.customer_id]
    before = appointment.start
    new_start = datetime.combine(appointment.start.date() + timedelta(days=1), time(15))
    move = {"appointment_id": appointment.id, "start": new_start.isoformat(), "text_homeowner": True}
    world.fake.script(
        on_user("move", reply(tool_use("update_appointment", move))),
        on_tool_result(
            "update_appointment", lambda r: f"{r.tool_result('update_appointment').json()['summary']} Okay?"
        ),
        on_user("yes", lambda r: reply(tool_use("confirm_action", {"action_id": action_ids(r)[-1]}))),
        on_tool_result("confirm_action", "Done, and they have the text."),
    )
    conversation = await world.brain.conversation(world.ctx())

    asked = await conversation.send("Please move it a day and text the homeowner")

    assert f"and text {customer.full_name}" in asked.reply
    assert world.sandbox.outbox(world.token)["texts"] == []
    assert data.appointments[appointment.id].start == before != new_start

    done = await conversation.send("yes")

    assert [(e.tool, e.status) for e in done.events] == [("update_appointment", "confirmed")]
    assert data.appointments[appointment.id].start == new_start
    [text] = world.sandbox.outbox(world.token)["texts"]
    assert text["phone_number"] == customer.phones[0].number and "3:00 PM" in text["content"]
