"""Run benchmarks by name (all when none is given); each prints its own figures and targets."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import time

import bench


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))


def quiet_libraries() -> None:
    """Benchmarks print figures; Pipecat's debug log (whole prompts, every frame) would drown them."""
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    logging.basicConfig(level=logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    quiet_libraries()
    names = available()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one or more of: {', '.join(names)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(names)}")
    for name in args.names or names:
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
