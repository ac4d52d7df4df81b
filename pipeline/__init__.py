"""The one Pipecat pipeline every call runs, phone or browser.

Owns: building and running a call (VAD, turn strategy, STT, Claude with the brain's prompt and
tools, TTS), the speech-provider choice (Deepgram/Cartesia, or the local Whisper/Piper pair),
filler speech, greeting, idle and time-limit handling, hang-up and transfer, the per-turn
latency breakdown, telling the brain which proposals the caller heard in full, the session
record, and the end-of-call wrap-up.

Exports ``run_call`` (telephony and webrtc call it with their transport), ``PipelineDeps`` and
``CallTiming`` (what a call needs from the process), ``Transferrer``/``TransferRefused``/
``NoTransfers`` (the one thing a transport implements), ``CallRecord`` and ``EndReason`` (what
happened), ``CallSessions`` (session records in Redis), ``SpeechNotConfigured``, and
``load_models`` (opens the VAD and turn models every call shares, at start-up), and ``greeting``
(the line a call opens with, which the API previews).
"""

from pipeline.call import CallTiming, CallUpdate, PipelineDeps, UpdateSink, run_call
from pipeline.control import CallNotPlaced, Dialer, NoTransfers, TransferRefused, Transferrer
from pipeline.ml_models import load_models
from pipeline.phrases import greeting
from pipeline.record import CallRecord, EndReason, SpokenLine, ToolLogEntry, TurnLatency
from pipeline.sessions import CallSessions, SessionRecord, transcript_blob_key
from pipeline.speech import SpeechNotConfigured
from pipeline.wrap_up import MemoryHook

__all__ = [
    "CallNotPlaced",
    "CallRecord",
    "CallSessions",
    "CallTiming",
    "CallUpdate",
    "Dialer",
    "EndReason",
    "MemoryHook",
    "NoTransfers",
    "PipelineDeps",
    "SessionRecord",
    "SpeechNotConfigured",
    "SpokenLine",
    "ToolLogEntry",
    "TransferRefused",
    "Transferrer",
    "TurnLatency",
    "UpdateSink",
    "greeting",
    "load_models",
    "run_call",
    "transcript_blob_key",
]
