"""One call, from the first frame to the last record: build the pipeline, run it, wrap it up once.

    transport in -> STT -> user turns (Silero + turn strategy) -> turn context -> Claude + tools
    -> TTS -> transport out -> proposal delivery -> call ender -> assistant turns

Around it: a greeting with the caller's name, a filler while tools are slow (``pipeline.tools``),
an idle caller asked once and then let go, the tenant's maximum call length (or what is left of
a trial's voice minutes), hang-up and transfer through ``pipeline.control``, a latency
breakdown per turn, and telling the brain which proposals the caller heard to the end
(``pipeline.delivery``: only those can be confirmed). However the call ends (caller, bot, idle,
limit, error, shutdown), the wrap-up (``pipeline.wrap_up``) runs exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipecat.frames.frames import Frame, InputAudioRawFrame, TTSSpeakFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.dtmf_aggregator import DTMFAggregator
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    AssistantTurnStoppedMessage,
    LLMContextAggregatorPair,
    UserTurnStoppedMessage,
)
from pipecat.processors.filters.function_filter import FunctionFilter
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.transports.base_transport import BaseTransport
from pipecat.workers.runner import WorkerRunner

from brain import Brain, CallContext, Claude, ToolBox, ToolEvent, TurnContextService, TurnState
from core.blobs import BlobStore
from core.settings import Settings
from pipeline import phrases
from pipeline.claude import VoiceClaude
from pipeline.control import LiveCallControl, NoTransfers, Transferrer
from pipeline.delivery import ProposalDelivery
from pipeline.ending import BeforeEnd, CallEnder, Ending, HangUpFrame, MuteWhileEnding
from pipeline.latency import latency_observer
from pipeline.record import CallRecord, EndReason, SpokenLine, ToolLogEntry, TurnLatency, now
from pipeline.sessions import CallSessions
from pipeline.speech import speech_services
from pipeline.tools import ToolBridge, tools_schema
from pipeline.turn_context import TurnContext
from pipeline.turns import user_turn_params
from pipeline.vocabulary import SpeechVocabulary
from pipeline.wrap_up import MemoryHook, wrap_up
from tenants import Tenant, TenantStore, UsageMeter

log = logging.getLogger(__name__)

INPUT_SAMPLE_RATE = 16000  # Silero, Smart Turn and Whisper all want 16 kHz; transports resample to it
TURN_FACTS_WAIT_SECS = 1.0
"""The longest a turn waits for its memory and document look-ups (``TurnContextService``)."""
MAX_REPLY_TOKENS = 1024
VOICE_LLM_RETRIES = 1
KEYPAD_PREFIX = "DTMF: "

CallUpdate = SpokenLine | ToolLogEntry
UpdateSink = Callable[[CallUpdate], Awaitable[None]]


@dataclass(frozen=True)
class CallTiming:
    idle_secs: float = 10.0
    """Caller silence after the bot spoke before "are you still there?"; as long again, goodbye."""
    filler_after_secs: float = 0.4
    """How long tools may run before the caller hears a filler line."""
    goodbye_grace_secs: float = 20.0
    """The longest a goodbye may take to be heard before the call is cut regardless."""
    vocabulary_wait_secs: float = 0.3
    """When a tenant has no company words cached yet, how long a call waits for the first gathering."""


@dataclass(frozen=True)
class PipelineDeps:
    """What every call needs from the process; ``harde`` builds each part once at start-up.

    ``brain`` is the agent (a caller's toolbox, what to recall, what to learn); the stores and the
    LLM client a call uses directly are fields of their own."""

    brain: Brain
    tenants: TenantStore
    claude: Claude
    sessions: CallSessions
    usage: UsageMeter
    blobs: BlobStore
    settings: Settings
    extract_memories: MemoryHook | None = None
    vocabulary: SpeechVocabulary | None = None  # None: the STT hears only the tenant's own list
    timing: CallTiming = field(default_factory=CallTiming)


async def run_call(
    transport: BaseTransport,
    ctx: CallContext,
    deps: PipelineDeps,
    *,
    audio_out_sample_rate: int,
    transferrer: Transferrer | None = None,
    on_update: UpdateSink | None = None,
    shows_proposals: bool = False,
    rtvi: bool = False,
    opening: Sequence[str] = (),
) -> CallRecord:
    """Run one call on ``transport`` until it ends, then wrap it up; returns what happened.

    ``audio_out_sample_rate`` follows the transport (8000 for Twilio, 48000 for WebRTC); input is
    always 16 kHz. ``transferrer`` hands phone calls to a person (none: calls cannot be
    transferred). ``on_update`` hears every transcript line and tool event as it happens (the
    browser widget shows them live). ``shows_proposals``: ``on_update`` puts a pending change in full
    on the person's screen (the widget's confirmation card), so once it has been sent the change
    counts as delivered, as in a typed conversation, and Confirm need not wait for the voice to
    finish reading it out. ``rtvi`` speaks Pipecat's RTVI protocol with the client (the
    widget's client-js waits for its bot-ready, shows who is speaking, and sends typed text).
    ``opening`` replaces the greeting: what an outbound call was placed to say (a morning briefing),
    one line per part, each spoken as soon as it is synthesised.
    """
    call = _Call(
        ctx, deps, transferrer or NoTransfers(), on_update, shows_proposals=shows_proposals, opening=opening
    )
    return await call.run(transport, audio_out_sample_rate, rtvi=rtvi)


async def _not_caller_audio(frame: Frame) -> bool:
    """The caller's audio is spent once the STT and the user aggregator (VAD, turns) have had it;
    Pipecat would otherwise carry every frame of it through each processor after them."""
    return not isinstance(frame, InputAudioRawFrame)


class _Call:
    def __init__(
        self,
        ctx: CallContext,
        deps: PipelineDeps,
        transferrer: Transferrer,
        on_update: UpdateSink | None,
        *,
        shows_proposals: bool,
        opening: Sequence[str] = (),
    ) -> None:
        self._initial_ctx = ctx
        self._opening = opening
        self._toolbox: ToolBox | None = None
        self.deps = deps
        self.record = CallRecord(ctx)
        self._transferrer = transferrer
        self._on_update = on_update
        self._shows_proposals = shows_proposals and on_update is not None
        self._sessions = deps.sessions
        self._state = TurnState()
        self._ending: Ending | None = None
        self._idle_prompts = 0
        self._worker: PipelineWorker | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._opening_lines: Sequence[str] = ()
        self._time_limit_secs: float = 0.0

    @property
    def ctx(self) -> CallContext:
        """Who is calling: as the call began, or as the PIN check has since identified them."""
        return self._toolbox.ctx if self._toolbox is not None else self._initial_ctx

    async def run(self, transport: BaseTransport, audio_out_sample_rate: int, *, rtvi: bool) -> CallRecord:
        await self._sessions.open(self.ctx, self.record.started_at)
        bridge: ToolBridge | None = None
        try:
            tenant = await self.deps.tenants.get_tenant(self.ctx.tenant_id)
            refusal = await self._refusal(tenant)
            processors, bridge = await self._processors(transport, tenant, refusal)
            worker = PipelineWorker(
                Pipeline(processors),
                params=PipelineParams(
                    audio_in_sample_rate=INPUT_SAMPLE_RATE,
                    audio_out_sample_rate=audio_out_sample_rate,
                    enable_metrics=True,
                    enable_usage_metrics=True,
                ),
                observers=[latency_observer(self.ctx.session_id, self._latency)],
                conversation_id=self.ctx.session_id,
                enable_rtvi=rtvi,
                # Pipecat's turn tracking is one more observer woken for every frame of the call
                # (~40 per second of caller audio); nothing here reads it.
                enable_turn_tracking=False,
            )
            self._worker = worker
            self._watch(transport, worker, refusal)
            runner = WorkerRunner(handle_sigint=False)
            await runner.add_workers(worker)
            await runner.run()
        except asyncio.CancelledError:
            self._ended(EndReason.SHUTDOWN)
            raise
        except Exception:
            log.exception("call %s failed", self.ctx.session_id)
            self._ended(EndReason.ERROR)
            raise
        finally:
            for task in self._tasks:
                task.cancel()
            if bridge is not None:
                await bridge.close()
            await self._wrap_up()
        return self.record

    # --- building ------------------------------------------------------------------------------

    async def _refusal(self, tenant: Tenant) -> str | None:
        """Why this call cannot be served (said once, then the call ends), or None."""
        if not self.deps.claude.configured:
            return phrases.NOT_CONFIGURED
        allowance = await self.deps.usage.voice_allowance(tenant)
        if not allowance.allowed:
            return phrases.refusal_goodbye(allowance.message)
        self._time_limit_secs = float(tenant.voice.max_call_minutes * 60)
        if allowance.remaining is not None:
            self._time_limit_secs = min(self._time_limit_secs, allowance.remaining)
        self._opening_lines = self._opening or (phrases.greeting(self.ctx, tenant),)
        return None

    async def _processors(
        self, transport: BaseTransport, tenant: Tenant, refusal: str | None
    ) -> tuple[list[FrameProcessor], ToolBridge | None]:
        ender = CallEnder(self._hang_up)
        if refusal is not None:
            speech = await speech_services(self.deps.settings, vocabulary=(), voice=tenant.voice.tts_voice)
            return [transport.input(), speech.tts, transport.output(), ender], None

        toolbox = await self.deps.brain.toolbox(self.ctx, state=self._state)
        self._toolbox = toolbox
        # The same facts as a typed conversation; the call's context keeps every earlier note.
        know = self.deps.brain.turn_context(
            self.ctx, tenant, keeps_earlier_turns=True, wait_s=TURN_FACTS_WAIT_SECS
        )
        speech = await speech_services(
            self.deps.settings,
            vocabulary=await self._vocabulary(tenant, toolbox),
            voice=tenant.voice.tts_voice,
        )
        llm = VoiceClaude(
            api_key="",  # the shared client carries the key
            # One SDK retry, then the fallback model: on a call, waiting out backoffs is dead air.
            client=self.deps.claude.client.with_options(max_retries=VOICE_LLM_RETRIES),
            models=[tenant.models.voice_model, tenant.models.fallback_model],
            apology=phrases.APOLOGY,
            settings=VoiceClaude.Settings(
                model=tenant.models.voice_model,
                system_instruction=know.stable_prompt,
                enable_prompt_caching=True,
                max_tokens=MAX_REPLY_TOKENS,
            ),
        )
        toolbox.control = LiveCallControl(
            finish=self._finish,
            transferrer=self._transferrer,
            reply_has_words=lambda: llm.reply_has_words,
            say=lambda line: self._say(line, remember=True),
            in_background=lambda work: self._tasks.append(asyncio.create_task(work)),
            caller_name=lambda: self.ctx.user_name,
        )
        bridge = ToolBridge(
            llm,
            toolbox,
            say=self._say,
            on_event=self._tool_event,
            call_ending=lambda: self._ending is not None,
            filler_after=self.deps.timing.filler_after_secs,
        )
        context = LLMContext(
            messages=[{"role": "developer", "content": await self._call_facts(know)}],
            tools=tools_schema(toolbox),
        )
        user_params = await asyncio.to_thread(
            user_turn_params,
            tenant.voice,
            idle_secs=self.deps.timing.idle_secs,
            mute=MuteWhileEnding(lambda: self._ending is not None),
        )
        turns = LLMContextAggregatorPair(context, user_params=user_params)
        turns.user().add_event_handler("on_user_turn_started", self._caller_started)
        turns.user().add_event_handler("on_user_turn_stopped", self._caller_said)
        turns.user().add_event_handler("on_user_turn_idle", self._caller_idle)
        turns.assistant().add_event_handler("on_assistant_turn_stopped", self._bot_said)
        facts = TurnContext(state=self._state, facts=lambda text: self._turn_facts(know, text))
        # Key presses matter only for the PIN check; anyone else's call skips the processor, which
        # every 40 ms of their audio would otherwise pass through.
        keypad = [DTMFAggregator(prefix=KEYPAD_PREFIX)] if self.ctx.needs_pin else []
        processors: list[FrameProcessor] = [
            transport.input(),
            *keypad,  # key presses become a user turn ("DTMF: 4821"), e.g. for the PIN check
            speech.stt,
            turns.user(),
            FunctionFilter(_not_caller_audio, filter_system_frames=True),
            facts,
            llm,
            speech.tts,
            transport.output(),
            ProposalDelivery(toolbox.delivered),  # after the output: it sees what has been played
            ender,
            turns.assistant(),
        ]
        return processors, bridge

    async def _vocabulary(self, tenant: Tenant, toolbox: ToolBox) -> list[str]:
        """Words the STT should expect: the tenant's own list first, then the names of its people
        in Hard-E, then the company's words from Leap and its documents (``pipeline.vocabulary``:
        cached, so the call does not wait on Leap)."""
        users = await self.deps.tenants.list_users(tenant.id)
        words = [*tenant.voice.vocabulary, *(user.name for user in users)]
        if self.deps.vocabulary is not None:
            try:
                words += await self.deps.vocabulary.words(
                    tenant.id, toolbox.crm, wait_s=self.deps.timing.vocabulary_wait_secs
                )
            except Exception as error:  # Redis trouble must not hold up the call either
                log.warning("call %s: no company words for the STT (%s)", self.ctx.session_id, error)
        return words

    async def _call_facts(self, know: TurnContextService) -> str:
        """Who is calling and what we remember, as the call opens: it opens the context."""
        return "A call has just connected.\n" + (await know.opening(self.ctx)).prompt()

    async def _turn_facts(self, know: TurnContextService, text: str) -> str:
        """What Claude should know for what the caller just said (who is calling now: a PIN check
        may have identified them since)."""
        return (await know.turn(self.ctx, text)).prompt()

    def _watch(self, transport: BaseTransport, worker: PipelineWorker, refusal: str | None) -> None:
        async def connected(_transport: Any, _client: Any) -> None:
            if refusal is not None:
                await self._finish(EndReason.NOT_ALLOWED, line=refusal)
                return
            for line in self._opening_lines:
                await self._say(line, remember=True, interruptible=True)
            self._tasks.append(asyncio.create_task(self._end_at_time_limit()))

        async def disconnected(_transport: Any, _client: Any) -> None:
            self._ended(EndReason.CALLER_HUNG_UP)
            await worker.cancel()

        async def idle(_worker: PipelineWorker) -> None:
            self._ended(EndReason.IDLE)

        transport.add_event_handler("on_client_connected", connected)
        transport.add_event_handler("on_client_disconnected", disconnected)
        worker.add_event_handler("on_idle_timeout", idle)

    # --- during the call -----------------------------------------------------------------------

    async def _say(self, text: str, *, remember: bool = False, interruptible: bool = True) -> None:
        """Speak a fixed line; ``remember`` puts it in Claude's context as something it said."""
        frame = TTSSpeakFrame(text, append_to_context=remember)
        frame.interruptible = interruptible
        await self._queue(frame)

    async def _queue(self, *frames: Frame) -> None:
        if self._worker is not None:
            await self._worker.queue_frames(list(frames))

    async def _finish(
        self, reason: EndReason, *, line: str | None, before_end: BeforeEnd | None = None
    ) -> bool:
        """Start ending the call: ``line`` is heard, then ``before_end`` runs, then the worker ends."""
        if self._ending is not None:
            return False
        self._ending = Ending(reason, before_end)
        self._ended(reason)
        if line:
            await self._say(line, remember=True, interruptible=False)
        await self._queue(HangUpFrame())
        self._tasks.append(asyncio.create_task(self._cut_after_grace()))
        return True

    async def _hang_up(self) -> None:
        """Everything before the HangUpFrame has been heard: transfer if asked, then end."""
        ending = self._ending
        if ending is not None and ending.before_end is not None:
            try:
                await ending.before_end()
            except Exception:
                log.exception("call %s: the transfer failed", self.ctx.session_id)
        if self._worker is not None:
            await self._worker.stop_when_done()  # type: ignore[no-untyped-call]

    async def _cut_after_grace(self) -> None:
        await asyncio.sleep(self.deps.timing.goodbye_grace_secs)
        if self._worker is not None and not self._worker.has_finished():
            log.warning("call %s: the goodbye was not heard in time; ending the call", self.ctx.session_id)
            await self._worker.cancel()

    async def _end_at_time_limit(self) -> None:
        await asyncio.sleep(self._time_limit_secs)
        await self._finish(EndReason.TIME_LIMIT, line=phrases.TIME_LIMIT)

    async def _caller_started(self, _aggregator: Any, _strategy: Any) -> None:
        self._idle_prompts = 0

    async def _caller_idle(self, _aggregator: Any) -> None:
        self._idle_prompts += 1
        if self._idle_prompts == 1:
            await self._say(phrases.IDLE_PROMPT, remember=True)
        else:
            await self._finish(EndReason.IDLE, line=phrases.IDLE_GOODBYE)

    async def _caller_said(self, _aggregator: Any, _strategy: Any, message: UserTurnStoppedMessage) -> None:
        if message.content and message.content.strip():
            await self._note(SpokenLine("caller", message.content.strip(), now()))

    async def _bot_said(self, _aggregator: Any, message: AssistantTurnStoppedMessage) -> None:
        if message.content.strip():
            await self._note(SpokenLine("assistant", message.content.strip(), now(), message.interrupted))

    async def _tool_event(self, event: ToolEvent) -> None:
        await self._note(ToolLogEntry(now(), event))

    async def _note(self, update: CallUpdate) -> None:
        if isinstance(update, SpokenLine):
            self.record.lines.append(update)
        else:
            self.record.tools.append(update)
        if self._on_update is None:
            return
        try:
            await self._on_update(update)
        except Exception:
            log.exception("call %s: the update listener failed", self.ctx.session_id)
            return
        if self._shows_proposals and isinstance(update, ToolLogEntry) and self._toolbox is not None:
            event = update.event
            if event.status == "pending" and event.action_id:
                await self._toolbox.delivered([event.action_id])  # on the screen in full

    async def _latency(self, turn: TurnLatency) -> None:
        self.record.latency.append(turn)
        await self._sessions.add_latency(self.ctx, turn)

    def _ended(self, reason: EndReason) -> None:
        """The first reason given is the one the call ended for."""
        if self.record.end_reason is None:
            self.record.end_reason = reason

    # --- after the call ------------------------------------------------------------------------

    async def _wrap_up(self) -> None:
        self.record.ctx = self.ctx  # memory and the session record follow who the caller turned out to be
        self.record.ended_at = now()
        self._ended(EndReason.ERROR)  # ended without saying why: the pipeline stopped on its own
        await wrap_up(
            self.record,
            blobs=self.deps.blobs,
            usage=self.deps.usage,
            sessions=self._sessions,
            extract_memories=self.deps.extract_memories,
        )
