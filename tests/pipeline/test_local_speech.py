"""The same call with no speech provider keys: faster-whisper hears, Piper speaks, in process."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from pipeline.speech import speech_services
from testkit.fakes.anthropic import on_tool_result, on_user, reply, tool_use
from tests.brain.conftest import World
from tests.pipeline.conftest import phone_for
from tests.pipeline.test_call import sounds_like


async def test_a_question_is_answered_on_the_local_speech_pair(world: World, tmp_path: Path) -> None:
    job = world.job_in_stage("Proposal Sent")
    last_name = job.name.split(" - ")[0]

    def answer(request):
        found = request.tool_result("find_jobs").json()["jobs"][0]
        return f"That job is at {found['stage']}."

    world.fake.script(
        on_user("stage", reply(tool_use("find_jobs", {"keyword": last_name}))),
        on_tool_result("find_jobs", answer),
    )

    async with phone_for(world, tmp_path, cloud_speech=False) as phone, phone.call() as caller:
        greeting = await caller.bot_reply(after=0.0)
        asked = await caller.say(f"What stage is the {last_name} job in?")
        answered = await caller.bot_reply(after=asked)

    assert not phone.deepgram.sessions and not phone.cartesia.sessions  # nothing left the process
    assert sounds_like(greeting, "what can I do for you"), greeting
    assert sounds_like(answered, "proposal sent"), answered
    assert [entry.event.tool for entry in phone.record.tools] == ["find_jobs"]


async def test_the_local_whisper_is_prompted_with_the_companys_words() -> None:
    speech = await speech_services(
        Settings(_env_file=None),  # type: ignore[call-arg]
        vocabulary=["Kowalski", "Juniper Ct", "kowalski", "Summit Ridge"],
        voice=None,
    )
    assert speech.stt.settings.initial_prompt == "Kowalski, Juniper Ct, Summit Ridge."  # type: ignore[attr-defined]
