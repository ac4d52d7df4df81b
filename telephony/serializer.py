"""Twilio's media-stream serializer with two changes Hard-E needs.

- A malformed or oversized message is logged and dropped. Pipecat's input loop stops at the
  first exception a message raises (bad base64, a field of the wrong type), which would leave the
  caller talking to a deaf bot; one bad message must not cost the call.
- After a transfer the call belongs to the ``<Dial>``, so ending our pipeline must not hang it up.
"""

from __future__ import annotations

import logging

from pipecat.frames.frames import Frame
from pipecat.serializers.twilio import TwilioFrameSerializer

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16_384  # a 20 ms media message is about 300 bytes


class PhoneSerializer(TwilioFrameSerializer):
    async def deserialize(self, data: str | bytes) -> Frame | None:
        if len(data) > MAX_MESSAGE_BYTES:
            log.warning("dropped an oversized media-stream message (%d bytes)", len(data))
            return None
        try:
            return await super().deserialize(data)
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # binascii.Error is a ValueError
            log.warning("dropped a malformed media-stream message (%s: %s)", type(error).__name__, error)
            return None

    def keep_call_up(self) -> None:
        """Do not hang up when the pipeline ends (the call has been handed to someone)."""
        self._hangup_attempted = True  # the serializer's own guard against hanging up twice
