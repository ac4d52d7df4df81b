"""Wire-level fakes of the services Hard-E talks to: the real SDKs are pointed at them.

``anthropic`` (the Messages API with a scripted reply per request), ``deepgram`` and ``cartesia``
(the speech sockets, with fixed latencies and injectable faults from ``session``), ``twilio_rest``
(the REST API calls are placed and controlled through) and ``twilio_caller`` (a simulated caller on
the media-stream websocket).
"""
