"""The whole run: Redis, the fakes and the tenant set up once, then a round of calls per count."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.phone_concurrency.rounds import WARM_UP_CALLS_PER_WORKER, Round, run_round
from bench.phone_concurrency.world import PHRASE, Harness, seed_tenant, serve_fakes, server_env
from core.redis import EmbeddedRedis, client_for
from core.secretbox import new_key_spec
from tenants import TurnStrategy
from testkit.speech import speech_mulaw8k


@dataclass(frozen=True)
class Options:
    calls: list[int]
    turns: int
    baseline_turns: int
    workers: int
    turn_strategy: TurnStrategy
    turns_log: Path | None


async def measure(options: Options) -> list[Round]:
    """Every round of the run, the single-call baseline first."""
    speech = speech_mulaw8k(PHRASE)
    secret_keys = new_key_spec("bench")
    workers = options.workers
    needed_phones = max(*options.calls, WARM_UP_CALLS_PER_WORKER * workers)
    with tempfile.TemporaryDirectory(prefix="harde-phones-") as scratch:
        workdir = Path(scratch)
        redis = EmbeddedRedis(workdir / "redis")
        redis.start()
        try:
            async with (
                serve_fakes() as fake,
                httpx.AsyncClient(timeout=30) as http,
                client_for(redis.url) as db,
            ):
                phones = await seed_tenant(db, secret_keys, needed_phones, options.turn_strategy)
                env = server_env(fake, redis.url, secret_keys, workdir / "var")
                harness = Harness(fake, http, db, env, workers, workdir, phones, speech)
                rounds = []
                plan = [(1, options.baseline_turns), *((n, options.turns) for n in options.calls)]
                for count, round_turns in plan:
                    started = time.monotonic()
                    print(f"  {count} call(s), {round_turns} turns each ...", end="", flush=True)
                    rounds.append(await run_round(count, round_turns, harness))
                    print(f" {time.monotonic() - started:.0f} s", flush=True)
        finally:
            redis.stop()
    return rounds
