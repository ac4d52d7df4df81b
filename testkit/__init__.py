"""Test doubles of the outside services, and the harness that drives Hard-E, for tests and benchmarks.

``testkit.fakes`` holds wire-level fakes of what Hard-E cannot reach here (Anthropic, Deepgram,
Cartesia, Twilio REST) and a simulated Twilio caller. Beside it: ``servers`` (serve an ASGI app or
``harde serve`` on loopback), ``speech`` (real speech from Piper's bundled voice), ``pcm_caller``
and ``said`` (a caller on the raw-audio transport, heard from known transcripts), ``bounded``
(async tests fail within their timeout, installed by ``tests/conftest.py``), ``waiting``,
``redis_kill``, ``schemas`` and ``documents`` (real .pdf and .docx files built in memory).

The tests (``tests/``) and the benchmarks (``bench/``) both import it, so a benchmark never imports
the tests. Its own tests are in ``tests/testkit``. A development tool: not part of the wheel (like
``tests`` and ``bench``, it is importable from the editable install), and it needs the dev extras.
"""
