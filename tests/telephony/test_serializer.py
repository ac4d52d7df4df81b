"""The phone serializer hands the caller's voice to the pipeline as it arrives, in steady frames."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import cast

from pipecat.frames.frames import InputAudioRawFrame
from pipecat.processors.frame_processor import FrameProcessorSetup
from pipecat.serializers.twilio import TwilioFrameSerializer

from telephony.serializer import INPUT_FRAME_MS, PhoneSerializer
from tests.fakes.twilio_caller import FRAME_BYTES
from tests.support.speech import speech_mulaw8k

PIPELINE_RATE = 16000
BYTES_PER_MS = PIPELINE_RATE * 2 // 1000  # 16-bit samples


def _media(chunk: bytes) -> str:
    media = {"track": "inbound", "payload": base64.b64encode(chunk).decode()}
    return json.dumps({"event": "media", "streamSid": "MZ1", "media": media})


async def test_the_callers_voice_reaches_the_pipeline_in_steady_frames_without_delay() -> None:
    serializer = PhoneSerializer(
        stream_sid="MZ1", params=TwilioFrameSerializer.InputParams(auto_hang_up=False)
    )
    await serializer.setup(cast(FrameProcessorSetup, SimpleNamespace(audio_in_sample_rate=PIPELINE_RATE)))
    speech = speech_mulaw8k("Who is working the Thompson job")

    received, owed_ms = 0, []
    for count, offset in enumerate(range(0, len(speech) - FRAME_BYTES + 1, FRAME_BYTES), start=1):
        frame = await serializer.deserialize(_media(speech[offset : offset + FRAME_BYTES]))
        if frame is not None:
            assert isinstance(frame, InputAudioRawFrame) and frame.sample_rate == PIPELINE_RATE
            received += len(frame.audio)
        owed_ms.append((count * 20 * BYTES_PER_MS - received) / BYTES_PER_MS)

    # A resampler that filters with look-ahead lets audio out late and in bursts: the end of the
    # caller's speech would be heard late. At most one frame's worth may be waiting to be sent.
    assert max(owed_ms) < INPUT_FRAME_MS + 1, f"the pipeline hears the caller {max(owed_ms):.0f} ms late"
    assert min(owed_ms) < 1
