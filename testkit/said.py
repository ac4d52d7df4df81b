"""Known transcripts for logic tests: the Deepgram fake "hears" exactly what the caller said.

A test about a conversation's logic (a write waits for a yes, a filler line stays out of Claude's
context) must not hang on how Whisper heard a sentence on a given day. ``CallerWords`` is the
Deepgram fake's ``transcriber``: the caller registers each clip it speaks, and a stretch of
audio is transcribed as the text of every registered clip found in it. The 16 kHz PCM path
carries the caller's samples to the fake unchanged, so a clip is found by looking for a few of
its own 20 ms frames, byte for byte, wherever they fall in the audio.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

FRAME_BYTES = 640  # 20 ms of 16 kHz PCM16
MARKS_PER_CLIP = 6
# A frame is speech (worth marking) when its int16 RMS is above this: silence is alike in every clip.
SPEECH_RMS = 300.0
SAMPLE_RATE = 16000


@dataclass(frozen=True)
class _Clip:
    text: str
    marks: tuple[bytes, ...]


def _speech_frames(pcm: bytes) -> list[bytes]:
    frames = [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES)]
    loud = []
    for frame in frames:
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
        if float(np.sqrt(np.mean(samples * samples))) > SPEECH_RMS:
            loud.append(frame)
    return loud


class CallerWords:
    """What the caller said, for the fake to transcribe without guessing (thread-safe: the fake
    transcribes on worker threads)."""

    def __init__(self) -> None:
        self._clips: list[_Clip] = []
        self._lock = threading.Lock()

    def said(self, text: str, pcm: bytes) -> None:
        """Register a clip (16 kHz PCM16) about to be spoken, with its text."""
        speech = _speech_frames(pcm)
        if not speech:
            raise ValueError(f"the clip for {text!r} has no speech in it")
        step = max(1, len(speech) // MARKS_PER_CLIP)
        with self._lock:
            self._clips.append(_Clip(text, tuple(speech[::step])))

    def __call__(self, pcm: bytes, sample_rate: int) -> str:
        """The Deepgram fake's known-transcript hook: the texts of the clips heard in ``pcm``."""
        if sample_rate != SAMPLE_RATE:
            raise ValueError(f"known transcripts need the caller's own {SAMPLE_RATE} Hz samples")
        with self._lock:
            clips = list(self._clips)
        heard = [clip.text for clip in clips if any(mark in pcm for mark in clip.marks)]
        return " ".join(dict.fromkeys(heard))
