"""A yes on a call counts only for a proposal the caller heard to the end.

Whole calls on the real pipeline (speech in, speech out, the brain, the sandbox CRM): a caller who
says yes over the middle of a proposal changes nothing and hears the proposal again; a yes after
the whole proposal makes the change exactly once. The proposals name the job as a person would.

The calls' logic is under test here, not speech recognition: the fake Deepgram answers with what
the caller is saying (its known-transcript mode) instead of asking Whisper, which on a loaded
machine takes long enough for a turn to close empty. What the caller *heard* is still Whisper's.
The job is picked by a fixed criterion (the first open job in a stage), never by a date.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline import CallUpdate, PipelineDeps, SpokenLine
from pipeline.phrases import APOLOGY
from testkit.fakes.anthropic import (
    RecordedRequest,
    Reply,
    on_tool_result,
    on_user,
    overloaded,
    reply,
    tool_use,
)
from testkit.pcm_caller import Caller
from tests.brain.conftest import action_ids
from tests.pipeline.conftest import TEST_TIMING, Phone
from tests.pipeline.test_call import sounds_like

WAIT_SECS = 60.0
GO_AHEAD = "Shall I go ahead?"
# Claude's reading of the proposal: the brain's summary, then a second sentence that keeps the
# proposal going long enough for the caller to talk over it.
MORE = "That tells the office the proposal went out, and the follow up reminders start tomorrow."


@dataclass
class Lines:
    """What the call reports as it happens; tests wait on it instead of on the clock."""

    lines: list[SpokenLine] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def listen(self, update: CallUpdate) -> None:
        if isinstance(update, SpokenLine):
            async with self._changed:
                self.lines.append(update)
                self._changed.notify_all()

    async def bot_finished(self, says: Callable[[str], bool]) -> SpokenLine:
        """The first assistant line that ``says`` accepts, once it has been played to its end."""

        def found() -> SpokenLine | None:
            return next((line for line in self.lines if line.role == "assistant" and says(line.text)), None)

        async with asyncio.timeout(WAIT_SECS), self._changed:
            await self._changed.wait_for(lambda: found() is not None)
        line = found()
        assert line is not None
        return line


def only_what_is_scripted(phone: Phone) -> PipelineDeps:
    """No filler while the tool runs and no "are you still there?" while the caller's speech is
    being synthesised on a busy machine: the bot says only what the script says."""
    timing = dataclasses.replace(TEST_TIMING, filler_after_secs=WAIT_SECS, idle_secs=WAIT_SECS)
    return dataclasses.replace(phone.deps, timing=timing)


async def heard_to_the_end(phone: Phone) -> None:
    """Wait until the call has told the brain that the caller heard the latest proposal to its last
    word (the bot has fallen silent after it): the moment a yes starts to count."""
    action_id = action_ids(phone.world.fake.requests[-1])[-1]
    key = f"t:acme:pending:{action_id}"
    try:
        async with asyncio.timeout(WAIT_SECS):
            while not json.loads(await phone.world.brain.redis.get(key) or "{}").get("delivered"):
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"the call never reported proposal {action_id} as heard") from None


async def bot_fell_silent(caller: Caller, quiet_secs: float = 0.6) -> None:
    """Wait until no bot audio has arrived for ``quiet_secs``: after an assistant line is reported
    (its last word is playing) the rest of it has been heard."""
    async with asyncio.timeout(WAIT_SECS):
        while not caller.heard.chunks or time.monotonic() - caller.heard.chunks[-1][0] < quiet_secs:
            await asyncio.sleep(0.05)


def stage_writes(phone: Phone) -> int:
    """How many times Leap was asked to move a job (the sandbox's own request log)."""
    requests = phone.world.sandbox.requests(phone.world.token)
    return sum(1 for r in requests if r.method == "POST" and r.path.endswith("/jobs/stage"))


def confirm_latest(request: RecordedRequest) -> Reply:
    """Claude confirming the change it proposed last, because the caller said yes."""
    return reply(tool_use("confirm_action", {"action_id": action_ids(request)[-1]}))


def read_out(tool: str, opening: str = "") -> Callable[[RecordedRequest], str]:
    """Claude reading the summary a tool result carries, as the brain tells it to."""

    def answer(request: RecordedRequest) -> str:
        summary = request.tool_result(tool).json()["summary"]
        return f"{opening}{summary} {MORE} {GO_AHEAD}"

    return answer


async def test_a_yes_spoken_over_the_proposal_changes_nothing_and_the_proposal_is_said_again(
    phone: Phone,
) -> None:
    world = phone.world
    job = world.job_in_stage("Estimate Prepared")
    world.fake.script(
        on_user("move", reply(tool_use("change_job_stage", {"job_id": job.id, "stage": "Proposal Sent"}))),
        on_tool_result("change_job_stage", read_out("change_job_stage")),
        on_user("yes", confirm_latest),  # the yes said over the proposal
        on_tool_result("confirm_action", read_out("confirm_action", "Sorry, you missed some of that. ")),
        on_user("yes", confirm_latest),  # the yes after hearing it all
        on_tool_result("confirm_action", "Done. It is now at Proposal Sent."),
    )
    lines = Lines()
    async with phone.call(on_update=lines.listen, deps=only_what_is_scripted(phone)) as caller:
        await caller.bot_reply(after=0.0)
        asked = await caller.say("Move that job to proposal sent")
        async with asyncio.timeout(WAIT_SECS):
            while caller.heard.speech_seconds(asked) < 1.0:  # the proposal is being read out
                await asyncio.sleep(0.05)
        barged = await caller.say("Yes go ahead")
        repeated = await lines.bot_finished(lambda text: text.startswith("Sorry, you missed"))
        assert (stage_writes(phone), world.stage_of(job.id)) == (0, "Estimate Prepared")
        await heard_to_the_end(phone)
        await caller.say("Yes go ahead")
        await lines.bot_finished(lambda text: text.startswith("Done"))
        heard_again = await asyncio.to_thread(caller.heard.text, barged)

    [cut_off] = [line for line in lines.lines if line.interrupted]  # the caller talked over it
    assert cut_off.role == "assistant" and cut_off.text.startswith("Move"), cut_off
    assert not repeated.interrupted and GO_AHEAD in repeated.text
    assert sounds_like(heard_again, "proposal sent"), heard_again  # they heard it said again
    assert stage_writes(phone) == 1 and world.stage_of(job.id) == "Proposal Sent"
    assert [(entry.event.tool, entry.event.status) for entry in phone.record.tools] == [
        ("change_job_stage", "pending"),
        ("confirm_action", "refused"),
        ("change_job_stage", "confirmed"),
    ]


async def test_a_yes_after_the_whole_proposal_changes_the_job_once(phone: Phone) -> None:
    world = phone.world
    job = world.job_in_stage("Estimate Prepared")
    owner = job.name.split(" - ")[0]  # the sandbox names a job "<customer> - <work type>"
    world.fake.script(
        on_user("move", reply(tool_use("change_job_stage", {"job_id": job.id, "stage": "Proposal Sent"}))),
        on_tool_result("change_job_stage", read_out("change_job_stage")),
        on_user("yes", confirm_latest),
        on_tool_result("confirm_action", "Done. It is now at Proposal Sent."),
    )
    lines = Lines()

    async with phone.call(on_update=lines.listen, deps=only_what_is_scripted(phone)) as caller:
        await caller.bot_reply(after=0.0)
        await caller.say("Move that job to proposal sent")
        proposal = await lines.bot_finished(lambda text: GO_AHEAD in text)
        # Said as a person would: the customer's job by name, no job number read out.
        assert job.number not in proposal.text and f"the {owner} " in proposal.text, proposal.text
        await heard_to_the_end(phone)
        stage_before_yes = world.stage_of(job.id)
        agreed = await caller.say("Yes go ahead")
        await lines.bot_finished(lambda text: text.startswith("Done"))
        done = await caller.bot_reply(after=agreed)

    assert stage_before_yes == "Estimate Prepared" and not proposal.interrupted
    assert sounds_like(done, "done"), done
    assert stage_writes(phone) == 1 and world.stage_of(job.id) == "Proposal Sent"
    assert [(entry.event.tool, entry.event.status) for entry in phone.record.tools] == [
        ("change_job_stage", "pending"),
        ("change_job_stage", "confirmed"),
    ]
    assert job.number not in " ".join(phone.cartesia.transcripts)


async def test_an_apology_in_place_of_the_proposal_does_not_make_it_confirmable(phone: Phone) -> None:
    world = phone.world
    job = world.job_in_stage("Estimate Prepared")

    def propose_then_fall_over(_request: RecordedRequest) -> Reply:
        world.fake.fail(overloaded(), times=4)  # the reply that would read it out: both models, retried
        return reply(tool_use("change_job_stage", {"job_id": job.id, "stage": "Proposal Sent"}))

    world.fake.script(
        on_user("move", propose_then_fall_over),
        on_user("yes", confirm_latest),
        on_tool_result("confirm_action", read_out("confirm_action", "Sorry, you missed some of that. ")),
    )
    lines = Lines()

    async with phone.call(on_update=lines.listen, deps=only_what_is_scripted(phone)) as caller:
        await caller.bot_reply(after=0.0)
        await caller.say("Move that job to proposal sent")
        await lines.bot_finished(lambda text: text == APOLOGY)
        await bot_fell_silent(caller)  # the yes is not spoken over anything
        await caller.say("Yes go ahead")
        await lines.bot_finished(lambda text: text.startswith("Sorry, you missed"))

    assert (stage_writes(phone), world.stage_of(job.id)) == (0, "Estimate Prepared")
    assert [(entry.event.tool, entry.event.status) for entry in phone.record.tools] == [
        ("change_job_stage", "pending"),
        ("confirm_action", "refused"),
    ]
