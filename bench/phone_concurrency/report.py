"""The report: latency and pacing, Hard-E's resources, where the time went, and the harness, one
row per round; and every answered turn as a JSON line."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from statistics import median

from bench.phone_concurrency.callers import STAGGER_SECS
from bench.phone_concurrency.rounds import Round
from bench.phone_concurrency.run import Options
from bench.voice_latency import LLM_FIRST_TOKEN_SECS, STT_FINAL_SECS, TTS_FIRST_AUDIO_SECS, percentile

TARGET_CALLS = 25
TARGET_P95_RISE_SECS = 0.150
MB = 1024 * 1024


def _ms(values: Sequence[float], share: float) -> str:
    return f"{percentile(list(values), share) * 1000:.0f} ms" if values else "-"


def _late(values: Sequence[float]) -> str:
    return f"{len(values)}x, max {max(values) * 1000:.0f} ms" if values else "never"


def _against_baseline(round_: Round, baseline: Round) -> str:
    if round_ is baseline:
        return "(baseline)"
    if not round_.latencies or not baseline.latencies:
        return "-"
    rise = percentile(round_.latencies, 0.95) - percentile(baseline.latencies, 0.95)
    text = f"{rise * 1000:+.0f} ms"
    if round_.calls == TARGET_CALLS:
        passed = rise <= TARGET_P95_RISE_SECS and not round_.unanswered
        text += f"  {'PASS' if passed else 'FAIL'} (target +{TARGET_P95_RISE_SECS * 1000:.0f} ms)"
    return text


def _latency_row(round_: Round, baseline: Round) -> str:
    gaps = round_.gaps
    return (
        f"{round_.calls:>6}{len(round_.latencies):>7}{round_.unanswered:>8}"
        f"{_ms(round_.latencies, 0.5):>10}{_ms(round_.latencies, 0.95):>10}"
        f"   {_against_baseline(round_, baseline):<36}{_ms(gaps, 0.99):>9}{_ms(gaps, 1.0):>9}"
    )


def _resources_row(round_: Round) -> str:
    call_minutes = sum(result.seconds for result in round_.results) / 60
    server_cpu = round_.end.server - round_.begin.server
    live = round_.all_live
    span = live[-1].at - live[0].at if len(live) > 1 else 0.0
    cores = (live[-1].server_cpu - live[0].server_cpu) / span if span else 0.0
    rise = median(sample.server_rss for sample in live) - round_.idle_rss if live else 0.0
    return (
        f"{round_.calls:>6}{server_cpu / call_minutes if call_minutes else 0.0:>17.2f}{cores:>13.2f}"
        f"{round_.idle_rss / MB:>11.0f} MB{rise / MB:>11.0f} MB{rise / round_.calls / MB:>11.1f} MB"
    )


def _harness_row(round_: Round) -> str:
    return (
        f"{round_.calls:>6}  {_late(round_.stt_late):<22}{_late(round_.tts_late):<22}"
        f"{_ms(round_.loop_lag, 0.99):>14}{_ms(round_.loop_lag, 1.0):>14}"
        f"{round_.cores(lambda clocks: clocks.harness):>15.2f}"
        f"{round_.cores(lambda clocks: clocks.machine):>14.2f} of {os.cpu_count()}"
    )


STAGES = (
    ("transcription", "STT"),
    ("turn detection", "turn"),
    ("LLM inference", "LLM"),
    ("speech synthesis", "TTS"),
    ("pipeline", "pipeline"),
)


def _breakdown_row(round_: Round) -> str:
    """p95 of each part of a turn: the silence Silero waited for, each stage of Hard-E's own
    breakdown after its verdict, and delivery to the caller's ear."""
    pairs = [pair for result in round_.results for pair in result.paired_turns()]
    if not pairs:
        return f"{round_.calls:>6}  (no turns to break down)"
    stages = [[pair.server.stage_secs(label) for pair in pairs] for label, _ in STAGES]
    cells = "".join(f"{_ms(values, 0.95):>10}" for values in stages)
    vad_wait = _ms([pair.split.vad_wait for pair in pairs], 0.95)
    hard_e = _ms([pair.split.after_verdict for pair in pairs], 0.95)
    delivery = _ms([pair.split.delivery for pair in pairs], 0.95)
    return f"{round_.calls:>6}{len(pairs):>7}{vad_wait:>10}{cells}{hard_e:>10}{delivery:>10}"


def write_turns(rounds: Sequence[Round], path: Path) -> None:
    """One JSON line per answered turn of every round; times in seconds, ``ended`` in epoch
    seconds (when the question's last word left the caller)."""
    with path.open("w") as out:
        for round_ in rounds:
            for call, result in enumerate(round_.results):
                for question, pair in enumerate(result.paired_turns(), start=1):
                    split = pair.split
                    line = {
                        "calls": round_.calls,
                        "call": call,
                        "question": question,
                        "ended": round(split.spoken_until, 3),
                        "v2v": round(split.total, 4),
                        "vad_wait": round(split.vad_wait, 4),
                        "after_verdict": round(split.after_verdict, 4),
                        "delivery": round(split.delivery, 4),
                        "stages": {label: pair.server.stage_secs(label) for label, _ in STAGES},
                    }
                    out.write(json.dumps(line) + "\n")


def report(rounds: list[Round], options: Options) -> None:
    baseline = rounds[0]
    print(
        f"fixed providers: STT final {STT_FINAL_SECS * 1000:.0f} ms after Finalize, LLM first token "
        f"{LLM_FIRST_TOKEN_SECS * 1000:.0f} ms, TTS first audio {TTS_FIRST_AUDIO_SECS * 1000:.0f} ms; "
        f"Hard-E with {options.workers} worker(s), turns ended by {options.turn_strategy}; "
        f"{options.turns} turns a call ({options.baseline_turns} for the single call), "
        f"starts {STAGGER_SECS * 1000:.0f} ms apart"
    )
    print("voice-to-voice at the caller, and outbound pacing (gaps between media messages of one utterance):")
    print(
        f"{'calls':>6}{'turns':>7}{'missed':>8}{'v2v p50':>10}{'v2v p95':>10}   {'p95 vs 1 call':<36}"
        f"{'gap p99':>9}{'gap max':>9}"
    )
    for round_ in rounds:
        print(_latency_row(round_, baseline))
    print(
        "Hard-E (CPU per call-minute over the whole round, set-up and wrap-up included; "
        "the rest while all calls were live):"
    )
    print(
        f"{'calls':>6}{'CPU s/call-min':>17}{'cores busy':>13}"
        f"{'idle RSS':>14}{'RSS rise':>14}{'RSS/call':>14}"
    )
    for round_ in rounds:
        print(_resources_row(round_))
    print(
        "where the time went, p95 of each part: Silero's wait from the last word to its verdict, "
        "Hard-E's stages after it and their sum, delivery to the caller's ear"
    )
    print(
        f"{'calls':>6}{'turns':>7}{'VAD wait':>10}"
        + "".join(f"{short:>10}" for _, short in STAGES)
        + f"{'Hard-E':>10}{'delivery':>10}"
    )
    for round_ in rounds:
        print(_breakdown_row(round_))
    print("the harness (fakes or this process running late, or a busy machine, inflate the figures above):")
    print(
        f"{'calls':>6}  {'STT final late':<22}{'TTS first audio late':<22}"
        f"{'loop lag p99':>14}{'loop lag max':>14}{'harness cores':>15}{'machine cores busy':>19}"
    )
    for round_ in rounds:
        print(_harness_row(round_))
    if TARGET_CALLS not in [round_.calls for round_ in rounds[1:]]:
        print(f"no {TARGET_CALLS}-call round: the target was not checked")
