"""What happens to the browser's microphone audio between the network and the pipeline.

aiortc hands received audio to its decoder through a jitter buffer with a fixed prefetch of four
packets: a packet is decoded only once four later ones have arrived, so every 20 ms Opus frame
reaches Pipecat 80 ms after it arrived, and Silero hears the end of the caller's speech 80 ms
late on every turn. That buffer exists to smooth playback; nothing here plays the audio back (it
goes to Silero and to speech-to-text), so on our receivers each packet goes to the decoder as it
arrives. A packet older than the newest one seen (late after reordering, or a retransmission) is
dropped rather than waited for: a missing 20 ms costs speech-to-text less than 80 ms on every
turn costs the caller. aiortc has no setting for this, so the buffer is swapped on each audio
receiver after the offer is applied (``tests/webrtc`` fails if aiortc renames what it swaps).
"""

from __future__ import annotations

import logging

from aiortc import RTCPeerConnection, RTCRtpReceiver
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtp import RtpPacket

log = logging.getLogger(__name__)

_BUFFER_ATTRIBUTE = "_RTCRtpReceiver__jitter_buffer"  # RTCRtpReceiver's private ``__jitter_buffer``
_HALF_SEQUENCE_SPACE = 1 << 15


class ArrivalJitterBuffer(JitterBuffer):
    """An audio "jitter buffer" that buffers nothing: each Opus packet is a whole frame, handed
    to the decoder when it arrives; one older than the newest seen is dropped."""

    def __init__(self) -> None:
        super().__init__(capacity=16, prefetch=0)
        self._newest: int | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        sequence = packet.sequence_number
        if self._newest is not None and not 0 < (sequence - self._newest) % (1 << 16) < _HALF_SEQUENCE_SPACE:
            return False, None  # late, or a duplicate
        self._newest = sequence
        data: bytes = packet._data  # type: ignore[attr-defined]  # set by the receiver: the depayloaded frame
        return False, JitterFrame(data=data, timestamp=packet.timestamp)


def decode_on_arrival(pc: RTCPeerConnection) -> int:
    """Give each audio receiver of ``pc`` an ``ArrivalJitterBuffer``; returns how many now have
    one. Call it after every remote description (new transceivers come with it)."""
    count = 0
    for transceiver in pc.getTransceivers():
        if transceiver.kind == "audio" and install(transceiver.receiver):
            count += 1
    return count


def install(receiver: RTCRtpReceiver) -> bool:
    current = getattr(receiver, _BUFFER_ATTRIBUTE, None)
    if isinstance(current, ArrivalJitterBuffer):
        return True
    if not isinstance(current, JitterBuffer):
        log.warning("aiortc's receiver has no jitter buffer where expected; audio keeps its 80 ms delay")
        return False
    setattr(receiver, _BUFFER_ATTRIBUTE, ArrivalJitterBuffer())
    return True
