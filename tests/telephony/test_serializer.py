"""The phone serializer hands the caller's voice to the pipeline as it arrives, in steady frames,
and drops any message it cannot parse instead of raising."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import cast

import pytest
from pipecat.frames.frames import InputAudioRawFrame
from pipecat.processors.frame_processor import FrameProcessorSetup
from pipecat.serializers.twilio import TwilioFrameSerializer

from telephony.serializer import INPUT_FRAME_MS, MAX_MESSAGE_BYTES, PhoneSerializer
from testkit.fakes.twilio_caller import FRAME_BYTES
from testkit.speech import speech_mulaw8k

PIPELINE_RATE = 16000
BYTES_PER_MS = PIPELINE_RATE * 2 // 1000  # 16-bit samples


def _media(chunk: bytes) -> str:
    media = {"track": "inbound", "payload": base64.b64encode(chunk).decode()}
    return json.dumps({"event": "media", "streamSid": "MZ1", "media": media})


async def phone_serializer() -> PhoneSerializer:
    serializer = PhoneSerializer(
        stream_sid="MZ1", params=TwilioFrameSerializer.InputParams(auto_hang_up=False)
    )
    await serializer.setup(cast(FrameProcessorSetup, SimpleNamespace(audio_in_sample_rate=PIPELINE_RATE)))
    return serializer


async def test_the_callers_voice_reaches_the_pipeline_in_steady_frames_without_delay() -> None:
    serializer = await phone_serializer()
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


# Each of these once ended a call, or could: the exception escaped Pipecat's input loop.
BAD_MESSAGES = {
    "deep nesting": "[" * 5000,
    "deep nesting inside an event": '{"event": "media", "media": {"payload": ' + "[" * 5000 + "}}",
    "truncated JSON": '{"event": "media", "media": {"payl',
    "invalid UTF-8": b"\xff\xfe{\x00",
    "not an object": "[1, 2, 3]",
    "null": "null",
    "event of the wrong type": '{"event": 5}',
    "media of the wrong type": '{"event": "media", "media": "wrong shape"}',
    "payload of the wrong type": '{"event": "media", "media": {"payload": 12345}}',
    "payload not base64": '{"event": "media", "media": {"payload": "%%%not-base64%%%"}}',
    "dtmf of the wrong type": '{"event": "dtmf", "dtmf": null}',
    "huge": _media(b"\xff" * MAX_MESSAGE_BYTES),
}


@pytest.mark.parametrize("message", BAD_MESSAGES.values(), ids=BAD_MESSAGES.keys())
async def test_a_message_that_cannot_be_parsed_is_dropped_and_the_next_one_heard(
    message: str | bytes, caplog: pytest.LogCaptureFixture
) -> None:
    serializer = await phone_serializer()
    assert await serializer.deserialize(message) is None
    frames = [await serializer.deserialize(_media(b"\x00" * FRAME_BYTES)) for _ in range(4)]
    assert any(isinstance(frame, InputAudioRawFrame) for frame in frames)
    [warning] = [record.getMessage() for record in caplog.records if record.name == "telephony.serializer"]
    assert "dropped a media-stream message" in warning and len(warning) < 200
