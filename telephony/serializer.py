"""Twilio's media-stream serializer with the changes Hard-E needs.

- The caller's audio reaches the pipeline in steady 40 ms frames, at 16 kHz, without look-ahead.
  Pipecat's default resampler (soxr "VHQ") holds audio back to filter it and lets it out in
  bursts of ~95 ms, so Silero heard the end of every sentence 50-100 ms late. Telephone audio
  has nothing above 4 kHz to protect, and soxr's quick cubic ("QQ") passes each 20 ms message
  straight through. Two messages then make one frame: every frame costs the pipeline about the
  same whatever its length (processors, the STT socket, observers), and 20 ms frames cost a
  third more CPU per call than 40 ms ones (``python -m bench.phone_concurrency``), for at most
  20 ms of waiting.
- A message that fails to parse (too big, not JSON, nested too deep, not a Twilio event, a field
  of the wrong type, bad base64) is logged in one short line and dropped. Pipecat's input loop
  stops at the first exception a message raises (a 5 KB run of ``[`` raises ``RecursionError``
  in the JSON parser), which would end the call; one bad message must not cost the call. The
  message is parsed here first, so only a JSON object reaches Pipecat's parser, which would log
  a bad message whole.
- After a transfer the call belongs to the ``<Dial>``, so ending our pipeline must not hang it up.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pipecat.audio.resamplers.soxr_stream_resampler import SOXRStreamAudioResampler
from pipecat.frames.frames import Frame, InputAudioRawFrame
from pipecat.serializers.twilio import TwilioFrameSerializer

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16_384  # a 20 ms media message is about 300 bytes
INPUT_FRAME_MS = 40  # audio per frame handed to the pipeline
LOG_EVERY_DROPPED = 100  # after the first, one line per this many dropped messages of a call


def _unreadable(data: str | bytes) -> str | None:
    """Why ``data`` is not a Twilio event at all, or None when it is a JSON object with an event."""
    if len(data) > MAX_MESSAGE_BYTES:
        return f"{len(data)} bytes, more than {MAX_MESSAGE_BYTES}"
    try:
        message = json.loads(data)
    except RecursionError:
        return "JSON nested too deep"
    except ValueError as error:  # JSONDecodeError, and UnicodeDecodeError for binary messages
        return f"not JSON ({type(error).__name__})"
    if not isinstance(message, dict) or not isinstance(message.get("event"), str):
        return "not a Twilio event"
    return None


class PhoneSerializer(TwilioFrameSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._input_resampler = SOXRStreamAudioResampler(
            quality="QQ", clear_after_secs=self._params.resampler_clear_after_secs
        )
        self._pending_audio = b""
        self._dropped = 0

    async def deserialize(self, data: str | bytes) -> Frame | None:
        if (problem := _unreadable(data)) is not None:
            self._drop(problem)
            return None
        try:
            frame = await super().deserialize(data)
        except Exception as error:  # any field of the wrong type or content; the call goes on
            self._drop(f"{type(error).__name__}: {str(error)[:80]}")
            return None
        if not isinstance(frame, InputAudioRawFrame):
            return frame
        self._pending_audio += frame.audio
        if len(self._pending_audio) < frame.sample_rate * 2 * INPUT_FRAME_MS // 1000:
            return None
        frame.audio, self._pending_audio = self._pending_audio, b""
        return frame

    def _drop(self, reason: str) -> None:
        """Log a dropped message in one short line (never the message), and not every one of a flood."""
        self._dropped += 1
        if self._dropped == 1 or self._dropped % LOG_EVERY_DROPPED == 0:
            log.warning(
                "dropped a media-stream message that could not be parsed (%s); %d dropped on this call",
                reason, self._dropped,
            )  # fmt: skip

    def keep_call_up(self) -> None:
        """Do not hang up when the pipeline ends (the call has been handed to someone)."""
        self._hangup_attempted = True  # the serializer's own guard against hanging up twice
