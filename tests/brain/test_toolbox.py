"""The safety policy applied by the ToolBox itself: roles, scopes, restricted tools, audit."""

from __future__ import annotations

import pytest

from brain import CallContext, Channel, TurnState, caller_said_yes
from tenants import Role
from tenants.audit import audit_key

# (role, tool, arguments builder, expected status)
MATRIX = [
    (Role.OWNER, "send_email", "pending"),
    (Role.MANAGER, "change_job_stage", "pending"),
    (Role.SALES_REP, "send_text", "pending"),
    (Role.CREW, "add_job_note", "pending"),
    (Role.CREW, "send_email", "refused"),
    (Role.CREW, "send_text", "refused"),
    (Role.CREW, "change_job_stage", "refused"),
    (Role.CREW, "job_financials", "refused"),
    (Role.CREW, "job_overview", "ok"),
    (Role.READ_ONLY, "job_financials", "ok"),
    (Role.READ_ONLY, "add_job_note", "refused"),
    (Role.READ_ONLY, "change_job_stage", "refused"),
]


def arguments(world, tool: str) -> dict:
    job = world.job_in_stage("Contract Signed")
    return {
        "send_email": {"customer_id": job.customer_id, "subject": "Hello", "body": "Checking in."},
        "send_text": {"customer_id": job.customer_id, "message": "See you Tuesday."},
        "change_job_stage": {"job_id": job.id, "stage": "Proposal Sent"},
        "add_job_note": {"job_id": job.id, "text": "Crew arrived."},
        "job_financials": {"job_id": job.id},
        "job_overview": {"job_id": job.id},
    }[tool]


@pytest.mark.parametrize(("role", "tool", "expected"), MATRIX)
async def test_each_role_is_held_to_its_matrix(world, role, tool, expected):
    toolbox = await world.brain.toolbox(world.ctx(role))
    outcome = await toolbox.call(tool, arguments(world, tool))
    assert outcome.event.status == expected, outcome.content
    if expected == "refused":
        assert "ask a manager or the owner" in outcome.content["refused"]


async def test_api_keys_are_held_to_their_scopes_and_skip_confirmation(world):
    job = world.job_in_stage("Lead")
    reader = CallContext("acme", "api-1", Channel.API, api_key_id="k1", scopes=frozenset({"tools:read"}))
    writer = CallContext("acme", "api-2", Channel.API, api_key_id="k2", scopes=frozenset({"tools:write"}))
    move = {"job_id": job.id, "stage": "Proposal Sent"}

    refused = await (await world.brain.toolbox(reader)).run_direct("change_job_stage", move, dry_run=False)
    assert refused.event.status == "refused" and "tools:write" in refused.content["refused"]

    dry = await (await world.brain.toolbox(writer)).run_direct("change_job_stage", move, dry_run=True)
    assert dry.content["dry_run"] and world.stage_of(job.id) == "Lead"

    done = await (await world.brain.toolbox(writer)).run_direct("change_job_stage", move, dry_run=False)
    assert done.event.status == "ok" and world.stage_of(job.id) == "Proposal Sent"


async def test_confirm_needs_a_yes_in_the_callers_latest_words(world):
    job = world.job_in_stage("Lead")
    state = TurnState()
    toolbox = await world.brain.toolbox(world.ctx(), state=state)
    state.next_turn("move it to proposal sent")
    pending = await toolbox.call("change_job_stage", {"job_id": job.id, "stage": "Proposal Sent"})
    await toolbox.delivered([pending.content["action_id"]])  # the caller heard it to the end
    state.next_turn("no wait, not yet")
    refused = await toolbox.call("confirm_action", {"action_id": pending.content["action_id"]})
    assert refused.event.status == "refused" and world.stage_of(job.id) == "Lead"
    state.next_turn("yes please do")
    confirmed = await toolbox.call("confirm_action", {"action_id": pending.content["action_id"]})
    assert confirmed.event.status == "confirmed" and world.stage_of(job.id) == "Proposal Sent"
    again = await toolbox.call("confirm_action", {"action_id": pending.content["action_id"]})
    assert again.event.status == "refused"


async def test_a_pending_action_is_invisible_to_another_tenant(world, redis):
    from tenants import CrmMode, Tenant, new_sandbox_token

    await world.brain.tenants.create_tenant(Tenant(id="other", name="Other Co", crm=CrmMode.SANDBOX))
    await world.brain.tenants.set_leap_token("other", new_sandbox_token(), verified_at=None)
    job = world.job_in_stage("Lead")
    state = TurnState()
    mine = await world.brain.toolbox(world.ctx(session="same"), state=state)
    state.next_turn("move it")
    pending = await mine.call("change_job_stage", {"job_id": job.id, "stage": "Proposal Sent"})
    their_state = TurnState(turn=5, last_user_text="yes")
    ctx = CallContext("other", "same", Channel.TEXT, role=Role.OWNER, user_id="u_x", user_name="X")
    theirs = await world.brain.toolbox(ctx, state=their_state)
    outcome = await theirs.call("confirm_action", {"action_id": pending.content["action_id"]})
    assert outcome.event.status == "refused"
    assert world.stage_of(job.id) == "Lead"


async def test_every_execution_is_audited_without_argument_values(world, redis):
    job = world.job_in_stage("Lead")
    toolbox = await world.brain.toolbox(world.ctx())
    await toolbox.call("job_overview", {"job_id": job.id})
    await toolbox.call("change_job_stage", {"job_id": job.id, "stage": "Proposal Sent"})
    await toolbox.call("no_such_tool", {})
    entries = [fields for _, fields in await redis.xrange(audit_key("acme"))]
    assert [(e["tool"], e["outcome"]) for e in entries] == [
        ("job_overview", "ok"), ("change_job_stage", "pending"), ("no_such_tool", "refused"),
    ]  # fmt: skip
    assert all(e["channel"] == "text" and e["actor"].startswith("user:") for e in entries)
    assert str(job.id) not in entries[0]["args_digest"]
    assert float(entries[0]["latency_ms"]) > 0


async def test_remember_stores_person_and_company_facts(world):
    toolbox = await world.brain.toolbox(world.ctx(Role.SALES_REP))
    await toolbox.call("remember", {"fact": "My territory is Boulder County", "about": "me"})
    await toolbox.call("remember", {"fact": "Crew B does the metal roofs", "about": "company"})
    recalled = await world.brain.recall(world.ctx(Role.SALES_REP))
    assert recalled == ["My territory is Boulder County", "Crew B does the metal roofs"]
    assert await world.brain.recall(world.ctx(Role.OWNER)) == ["Crew B does the metal roofs"]


@pytest.mark.parametrize(
    ("said", "consent"),
    [("yes", True), ("Yeah, go ahead.", True), ("ok do it", True), ("no", False), ("yes... wait", False),
     ("what?", False), ("don't", False), ("sounds good", True)],
)  # fmt: skip
def test_what_counts_as_a_yes(said, consent):
    assert caller_said_yes(said) is consent


async def test_an_unknown_caller_must_verify_a_pin_before_anything_else(world, redis):
    rep = world.users[Role.SALES_REP]
    await world.brain.tenants.set_pin("acme", rep.id, "4821")
    stranger = CallContext("acme", "pin-call", Channel.PHONE, needs_pin=True)
    toolbox = await world.brain.toolbox(stranger)
    assert "verify_pin" in [spec["name"] for spec in toolbox.specs()]
    job = world.job_in_stage("Lead")

    blocked = await toolbox.call("job_overview", {"job_id": job.id})
    assert blocked.event.status == "refused" and "PIN" in blocked.content["refused"]
    wrong = await toolbox.call("verify_pin", {"pin": "DTMF: 1111"})
    assert wrong.content["refused"].startswith("That PIN is not right. 2 attempt(s) left")
    right = await toolbox.call("verify_pin", {"pin": "4 8 2 1"})
    assert right.content == {"verified": True, "caller": rep.name, "role": "sales_rep"}
    assert toolbox.ctx.user_id == rep.id and toolbox.ctx.role is Role.SALES_REP
    assert (await toolbox.call("job_overview", {"job_id": job.id})).event.status == "ok"

    entries = [fields for _, fields in await redis.xrange(audit_key("acme"))]
    pin_entries = [e for e in entries if e["tool"] == "verify_pin"]
    assert len(pin_entries) == 2 and len({e["args_digest"] for e in pin_entries}) == 1  # no PIN trace


async def test_three_wrong_pins_end_the_call(world):
    toolbox = await world.brain.toolbox(CallContext("acme", "pin-fail", Channel.PHONE, needs_pin=True))
    outcomes = [await toolbox.call("verify_pin", {"pin": pin}) for pin in ("0000", "1234", "9999")]
    assert [o.event.status for o in outcomes] == ["refused"] * 3
    assert "Too many wrong PINs" in outcomes[-1].content["refused"]
    assert toolbox.ctx.needs_pin and toolbox.ctx.user_id is None


async def test_a_customer_leap_would_refuse_becomes_a_question_for_the_caller_not_an_error(world):
    toolbox = await world.brain.toolbox(world.ctx(Role.OWNER))
    customers_before = len(world.data.customers)

    outcome = await toolbox.call("create_customer", {"last_name": "Ng", "phone": "9705550142"})

    assert not outcome.is_error and outcome.event.status == "ok"
    assert outcome.content["missing"] == ["first_name"]
    assert "Ask the caller" in outcome.content["ask"]
    assert len(world.data.customers) == customers_before


async def test_a_tenant_whose_leap_lacks_sms_is_never_offered_send_text_and_is_told_why(world):
    job = world.job_in_stage("Contract Signed")
    world.sandbox.set_unpublished(world.token, enabled=False)  # an account whose API lacks them

    report = await world.brain.check_leap("acme")
    toolbox = await world.brain.toolbox(world.ctx(Role.OWNER))
    offered = {spec["name"] for spec in toolbox.specs()}
    asked = await toolbox.call("send_text", {"customer_id": job.customer_id, "message": "See you Tuesday."})

    assert report.answers["text_send"] == "no" and report.answers["notes"] == "yes"
    assert "send_text" not in offered and "change_job_stage" not in offered
    assert {"add_job_note", "find_customer", "job_overview"} <= offered
    assert asked.event.status == "refused"
    assert "Sending text messages is not available through" in asked.content["refused"]
    assert "@mention" in asked.content["refused"]  # and what Hard-E can do instead
    assert world.sandbox.outbox(world.token)["texts"] == []


async def test_a_tool_that_fails_for_want_of_its_endpoint_says_so_and_is_not_offered_again(world):
    job = world.job_in_stage("Contract Signed")
    toolbox = await world.brain.toolbox(world.ctx(Role.OWNER))  # never checked: everything offered
    assert "text_history" in {spec["name"] for spec in toolbox.specs()}
    world.sandbox.set_unpublished(world.token, enabled=False)

    failed = await toolbox.call("text_history", {"customer_id": job.customer_id})
    later = await world.brain.toolbox(world.ctx(Role.OWNER))

    assert failed.event.status == "error"
    assert "Reading text messages is not available through" in failed.content["error"]
    assert "text_history" not in {spec["name"] for spec in later.specs()}
