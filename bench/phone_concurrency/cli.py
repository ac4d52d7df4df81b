"""``python -m bench.phone_concurrency``'s options; ``python -m bench`` runs it with the defaults."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bench.phone_concurrency.report import report, write_turns
from bench.phone_concurrency.run import Options, measure
from tenants import TurnStrategy

DEFAULT_CALLS = (10, 25, 50)


def _call_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("give at least one call count, each 1 or more")
    return counts


def main(argv: list[str] | None = None) -> None:
    """Defaults when ``python -m bench`` calls it; options when run as a module."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.phone_concurrency", description="N simultaneous simulated phone calls."
    )
    parser.add_argument("--calls", type=_call_counts, default=list(DEFAULT_CALLS), help="e.g. 10,25,50")
    parser.add_argument("--turns", type=int, default=3, help="questions per call")
    parser.add_argument(
        "--baseline-turns", type=int, default=10, help="questions in the single-call baseline"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="Hard-E worker processes (harde serve --workers)"
    )
    parser.add_argument(
        "--turn-strategy",
        type=TurnStrategy,
        choices=list(TurnStrategy),
        default=TurnStrategy.SPEECH_TIMEOUT,
        help="how the tenant's turns end (default: %(default)s; smart_turn is a new tenant's default)",
    )
    parser.add_argument(
        "--turns-log", type=Path, metavar="FILE", help="also write every answered turn as a JSON line"
    )
    args = parser.parse_args(argv or [])
    if min(args.turns, args.baseline_turns, args.workers) < 1:
        parser.error("--turns, --baseline-turns and --workers must be at least 1")
    options = Options(
        args.calls, args.turns, args.baseline_turns, args.workers, args.turn_strategy, args.turns_log
    )
    rounds = asyncio.run(measure(options))
    report(rounds, options)
    if options.turns_log is not None:
        write_turns(rounds, options.turns_log)
        print(f"every turn: {options.turns_log}")
