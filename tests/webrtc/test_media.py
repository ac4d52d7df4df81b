"""The browser's microphone audio reaches the pipeline as it arrives, not 80 ms later."""

from __future__ import annotations

from aiortc.rtp import RtpPacket

from testkit.webrtc_caller import browser_call
from tests.webrtc.conftest import Door
from webrtc.media import ArrivalJitterBuffer, decode_on_arrival


def packet(sequence: int, data: bytes = b"opus") -> RtpPacket:
    found = RtpPacket(payload_type=111, sequence_number=sequence % (1 << 16), timestamp=sequence * 960)
    found._data = data  # type: ignore[attr-defined]  # as RTCRtpReceiver sets it
    return found


def test_each_packet_goes_to_the_decoder_as_it_arrives_and_a_late_one_is_dropped() -> None:
    buffer = ArrivalJitterBuffer()
    released = [buffer.add(packet(sequence, bytes([sequence % 256])))[1] for sequence in (10, 11, 13)]
    assert [frame.timestamp if frame else None for frame in released] == [9600, 10560, 12480]
    assert released[2] is not None and released[2].data == bytes([13])
    assert buffer.add(packet(12))[1] is None  # overtaken by 13: dropped, not waited for
    assert buffer.add(packet(13))[1] is None  # a duplicate
    wrapped = ArrivalJitterBuffer()
    assert wrapped.add(packet(65535))[1] is not None
    assert wrapped.add(packet(65536))[1] is not None  # sequence numbers wrap to 0


async def test_a_browser_calls_microphone_is_decoded_on_arrival(door: Door) -> None:
    async with browser_call(door.http, door.base, door.token()) as browser:
        await browser.reply(after=0.0)  # the greeting: the call is up
        call = door.deps.calls.get(browser.session_id)
        assert call is not None
        # Already installed by the offer; this fails if aiortc moved the buffer it replaces.
        assert decode_on_arrival(call.connection.pc) == 1
