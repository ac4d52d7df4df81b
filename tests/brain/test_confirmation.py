"""A yes counts only for a change the caller had in full: the brain's half of the rule.

The channel reports delivery (a call once the proposal was spoken to the end, a typed conversation
once the reply is sent); the ToolBox refuses to confirm before that and sends Claude back to read
the summary again. Real ToolBox, real Redis, the Leap sandbox.
"""

from __future__ import annotations

from brain import TurnState, action_to_read_back
from brain.conversation import APOLOGY
from testkit.fakes.anthropic import (
    RecordedRequest,
    Reply,
    on_tool_result,
    on_user,
    overloaded,
    reply,
    tool_use,
)
from tests.brain.conftest import World, action_ids


async def test_a_yes_before_the_proposal_was_delivered_changes_nothing_and_asks_for_a_repeat(
    world: World,
) -> None:
    job = world.job_in_stage("Lead")
    state = TurnState()
    toolbox = await world.brain.toolbox(world.ctx(), state=state)
    state.next_turn("add a note that the crew arrived")
    pending = await toolbox.call("add_job_note", {"job_id": job.id, "text": "Crew arrived."})
    action_id = pending.content["action_id"]
    notes_before = len(world.data.notes)

    state.next_turn("yes")  # said into the middle of the proposal: the channel never reported it delivered
    unheard = await toolbox.call("confirm_action", {"action_id": action_id})

    assert unheard.is_error and unheard.event.status == "refused"
    assert "did not hear" in unheard.content["refused"]
    assert unheard.content["summary"] == pending.content["summary"]  # what Claude must say again
    assert action_to_read_back(unheard.content) == action_id  # and the channel watches it be said
    assert len(world.data.notes) == notes_before


async def test_once_delivered_a_yes_executes_the_change_exactly_once(world: World) -> None:
    job = world.job_in_stage("Lead")
    state = TurnState()
    toolbox = await world.brain.toolbox(world.ctx(), state=state)
    state.next_turn("add a note that the crew arrived")
    # No one @mentioned: the stored arguments hold an empty list, which must survive the marking.
    pending = await toolbox.call("add_job_note", {"job_id": job.id, "text": "Crew arrived."})
    action_id = pending.content["action_id"]
    notes_before = len(world.data.notes)

    state.next_turn("yes")
    assert (await toolbox.call("confirm_action", {"action_id": action_id})).event.status == "refused"
    await toolbox.delivered([action_id])  # said again, and this time heard to the end
    state.next_turn("yes go ahead")
    done = await toolbox.call("confirm_action", {"action_id": action_id})
    again = await toolbox.call("confirm_action", {"action_id": action_id})

    assert done.event.status == "confirmed", done.content
    assert len(world.data.notes) == notes_before + 1
    assert again.event.status == "refused" and len(world.data.notes) == notes_before + 1


async def test_another_session_cannot_mark_a_proposal_delivered(world: World) -> None:
    job = world.job_in_stage("Lead")
    state = TurnState()
    mine = await world.brain.toolbox(world.ctx(session="mine"), state=state)
    state.next_turn("move it to proposal sent")
    pending = await mine.call("change_job_stage", {"job_id": job.id, "stage": "Proposal Sent"})

    other = await world.brain.toolbox(world.ctx(session="other"))
    await other.delivered([pending.content["action_id"]])
    state.next_turn("yes")
    outcome = await mine.call("confirm_action", {"action_id": pending.content["action_id"]})

    assert "did not hear" in outcome.content["refused"]
    assert world.stage_of(job.id) == "Lead"


async def test_a_typed_proposal_is_delivered_with_the_reply_that_carries_it(world: World) -> None:
    job = world.job_in_stage("Lead")
    world.fake.script(
        on_user(
            "proposal sent", reply(tool_use("change_job_stage", {"job_id": job.id, "stage": "Proposal Sent"}))
        ),
        on_tool_result("change_job_stage", lambda r: r.tool_result("change_job_stage").json()["summary"]),
        on_user("yes", lambda r: reply(tool_use("confirm_action", {"action_id": action_ids(r)[-1]}))),
        on_tool_result("confirm_action", "Done."),
    )
    conversation = await world.brain.conversation(world.ctx())

    first = await conversation.send("Move it to proposal sent")
    assert first.read_back == [first.events[0].action_id]
    await conversation.send("yes")

    assert world.stage_of(job.id) == "Proposal Sent"


async def test_a_typed_proposal_whose_reply_failed_is_not_confirmable(world: World) -> None:
    job = world.job_in_stage("Lead")

    def propose_then_fall_over(_request: RecordedRequest) -> Reply:
        world.fake.fail(overloaded(), times=2)  # both models, for the reply that would read it out
        return reply(tool_use("change_job_stage", {"job_id": job.id, "stage": "Proposal Sent"}))

    world.fake.script(on_user("proposal sent", propose_then_fall_over))
    conversation = await world.brain.conversation(world.ctx())
    first = await conversation.send("Move it to proposal sent")
    assert first.reply == APOLOGY and [e.status for e in first.events] == ["pending"]
    assert first.read_back == []

    world.fake.script(
        on_user("yes", lambda r: reply(tool_use("confirm_action", {"action_id": action_ids(r)[-1]}))),
        on_tool_result("confirm_action", lambda r: r.tool_result("confirm_action").json()["summary"]),
    )
    second = await conversation.send("yes")

    assert world.stage_of(job.id) == "Lead"
    assert [e.status for e in second.events] == ["refused"]
    assert second.read_back == [first.events[0].action_id]  # said again now, so the next yes counts
