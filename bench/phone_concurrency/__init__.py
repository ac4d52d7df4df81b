"""Many phone calls at once: does Hard-E keep its voice-to-voice latency when the line is busy?

N simulated Twilio callers (``testkit/fakes/twilio_caller.py``) ring Hard-E together. Each signs and
posts the voice webhook, opens the media stream, speaks real 8 kHz mu-law speech in real time with
silence on the line between its turns, as a phone keeps sending, and plays the bot's audio through
Twilio-like playout. Hard-E runs as its own process tree, ``python -m harde serve [--workers W]``,
as deployed, with its providers pointed at wire-level fakes in this process. The fakes have fixed
latencies (STT final 150 ms after Finalize, LLM first token 500 ms, TTS first audio 90 ms), so what
grows with N is Hard-E, and its CPU time and resident memory can be read from /proc.

For each round of N calls (one call first, as the baseline, then 10, 25 and 50 by default):

- voice-to-voice p50 / p95 over every turn of every call: from the caller's last spoken frame to
  the first audible frame it plays back (``SimulatedCaller.wait_for_reply``). Target: at 25 calls,
  p95 within 150 ms of the single call's p95. The figure includes the caller's 20 ms playout tick
  and the silence the fake voice's clips open with, so compare it with the baseline here rather
  than with the ``voice_latency`` benchmark's. A caller speaks again only once the bot's last
  utterance has arrived in full (its size is learnt from warm-up calls) and played out; one that
  does not arrive in full within 30 s counts as missed and ends that call.
- outbound gap p99: the time between consecutive media messages of one bot utterance as they reach
  the caller, i.e. how steadily Hard-E paces its audio. Pipecat sends 40 ms of audio every 20 ms,
  so a caller hears a gap only once it outlasts the audio its playout buffer has banked.
- where the time went: p95 of each stage of Hard-E's own latency breakdown of those turns (read
  from the session records), of its total, and of what the caller timed on top of it (Silero
  hearing the end of speech, both transports, the caller's playout tick), so growth can be placed.
- Hard-E's CPU: seconds per call-minute over the whole round (call set-up and wrap-up included),
  and cores busy while all N calls were live. Resident memory: the rise over the idle, warmed-up
  server while all N calls were live (median of the samples), and that rise per call. With
  several workers these are summed over the processes (RSS then counts shared pages once each).
- the harness: how far the fakes overran their fixed latencies, how late this process's event loop
  woke up (p99 and worst), the cores it used, and how busy the whole machine was (other work
  included). When those grow, part of the latency is the harness's or the machine's, not
  Hard-E's. This process does no garbage collection while calls are measured: one full
  collection of its heap stalls every caller and fake at once for ~190 ms.

Each round gets a fresh server, so its memory figures do not start from the last round's high-water
mark, warmed by unmeasured calls. The STT fake runs in known-transcript mode (no Whisper) and the
reply is one fixed sentence, so the TTS fake serves cached clips: the fakes cost little.

Run: ``python -m bench phone_concurrency``, or with options
``python -m bench.phone_concurrency --calls 10,25,50 --turns 3 --baseline-turns 10 --workers 1
--turn-strategy speech_timeout``.
``--turns-log FILE`` also writes every answered turn as a JSON line (which call, which question,
when it ended, and its split), to find out what the slowest turns have in common.

The parts: ``world`` (Redis, the tenant, the fakes), ``server`` (Hard-E in its own processes),
``callers`` (the simulated-caller fleet), ``procfs`` (CPU and memory from /proc), ``rounds`` (one
round of N calls, sampled), ``run`` (the whole run), ``report`` (the tables), ``cli``.
"""

from bench.phone_concurrency.cli import main

__all__ = ["main"]
