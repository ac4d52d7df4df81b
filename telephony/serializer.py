"""Twilio's media-stream serializer with the changes Hard-E needs.

- The caller's audio reaches the pipeline in steady 40 ms frames, at 16 kHz, without look-ahead.
  Pipecat's default resampler (soxr "VHQ") holds audio back to filter it and lets it out in
  bursts of ~95 ms, so Silero heard the end of every sentence 50-100 ms late. Telephone audio
  has nothing above 4 kHz to protect, and soxr's quick cubic ("QQ") passes each 20 ms message
  straight through. Two messages then make one frame: every frame costs the pipeline about the
  same whatever its length (processors, the STT socket, observers), and 20 ms frames cost a
  third more CPU per call than 40 ms ones (``python -m bench.phone_concurrency``), for at most
  20 ms of waiting.
- A malformed or oversized message is logged and dropped. Pipecat's input loop stops at the
  first exception a message raises (bad base64, a field of the wrong type), which would leave the
  caller talking to a deaf bot; one bad message must not cost the call.
- After a transfer the call belongs to the ``<Dial>``, so ending our pipeline must not hang it up.
"""

from __future__ import annotations

import logging
from typing import Any

from pipecat.audio.resamplers.soxr_stream_resampler import SOXRStreamAudioResampler
from pipecat.frames.frames import Frame, InputAudioRawFrame
from pipecat.serializers.twilio import TwilioFrameSerializer

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16_384  # a 20 ms media message is about 300 bytes
INPUT_FRAME_MS = 40  # audio per frame handed to the pipeline


class PhoneSerializer(TwilioFrameSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._input_resampler = SOXRStreamAudioResampler(
            quality="QQ", clear_after_secs=self._params.resampler_clear_after_secs
        )
        self._pending_audio = b""

    async def deserialize(self, data: str | bytes) -> Frame | None:
        if len(data) > MAX_MESSAGE_BYTES:
            log.warning("dropped an oversized media-stream message (%d bytes)", len(data))
            return None
        try:
            frame = await super().deserialize(data)
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # binascii.Error is a ValueError
            log.warning("dropped a malformed media-stream message (%s: %s)", type(error).__name__, error)
            return None
        if not isinstance(frame, InputAudioRawFrame):
            return frame
        self._pending_audio += frame.audio
        if len(self._pending_audio) < frame.sample_rate * 2 * INPUT_FRAME_MS // 1000:
            return None
        frame.audio, self._pending_audio = self._pending_audio, b""
        return frame

    def keep_call_up(self) -> None:
        """Do not hang up when the pipeline ends (the call has been handed to someone)."""
        self._hangup_attempted = True  # the serializer's own guard against hanging up twice
