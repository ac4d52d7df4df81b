"""The sandbox's building blocks where a direct call says more than an HTTP round trip: PHP bracket
form parsing, fault path patterns, the rolling-window limiter on a controlled clock, and seeding."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from leap_sandbox.controller import Sandbox
from leap_sandbox.envelopes import Paging
from leap_sandbox.faults import compile_path_pattern
from leap_sandbox.forms import nest_bracket_pairs
from leap_sandbox.presenters import customer, job
from leap_sandbox.ratelimit import RateLimiter
from leap_sandbox.seed import build_demo_company


def test_bracket_keys_become_nested_objects_and_lists() -> None:
    pairs = [
        ("first_name", "Ann"),
        ("phones[0][label]", "cell"),
        ("phones[0][number]", "3035550101"),
        ("phones[1][label]", "home"),
        ("phones[1][number]", "3035550102"),
        ("address[city]", "Denver"),
        ("job[trades][]", "8"),
        ("job[trades][]", "10"),
        ("job[address][zip]", "80205"),
        ("trades[]", "9"),
    ]
    assert nest_bracket_pairs(pairs) == {
        "first_name": "Ann",
        "phones": [{"label": "cell", "number": "3035550101"}, {"label": "home", "number": "3035550102"}],
        "address": {"city": "Denver"},
        "job": {"trades": ["8", "10"], "address": {"zip": "80205"}},
        "trades": ["9"],
    }


def test_bracket_lists_follow_index_order_not_arrival_order() -> None:
    pairs = [("phones[1][number]", "b"), ("phones[0][number]", "a"), ("phones[10][number]", "c")]
    assert nest_bracket_pairs(pairs) == {"phones": [{"number": "a"}, {"number": "b"}, {"number": "c"}]}


def test_unbracketed_and_odd_keys_are_kept_verbatim() -> None:
    assert nest_bracket_pairs([("note", ""), ("weird]key", "x"), ("a[b", "y")]) == {
        "note": "",
        "weird]key": "x",
        "a[b": "y",
    }


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/**", "/jobs/5001/notes", True),
        ("/**", "/", True),
        ("/jobs", "/jobs", True),
        ("/jobs", "/jobs/5001", False),
        ("/jobs/{id}", "/jobs/5001", True),
        ("/jobs/{id}", "/jobs/5001/notes", False),
        ("/jobs/*/notes", "/jobs/5001/notes", True),
        ("/jobs/**", "/jobs", True),
        ("/jobs/**", "/jobs/notes/7", True),
        ("/jobs/**", "/jobsearch", False),
        ("/jobs/**/notes", "/jobs/5001/notes", True),
    ],
)
def test_fault_path_patterns(pattern: str, path: str, matches: bool) -> None:
    assert bool(compile_path_pattern(pattern).match(path)) is matches


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_window_rolls_one_request_at_a_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock)
    for second in (0, 10, 20):
        clock.now = 1_000.0 + second
        assert limiter.hit("t").allowed
    clock.now = 1_030.0
    refused = limiter.hit("t")
    assert not refused.allowed and refused.retry_after == 30 and refused.reset_at == 1_060
    clock.now = 1_060.0  # the first request leaves the window, exactly one slot frees
    assert limiter.hit("t").allowed
    assert not limiter.hit("t").allowed
    assert limiter.hit("other").remaining == 2


def test_paging_is_lenient_like_leap() -> None:
    assert Paging.from_query(None, None) == Paging(limit=10, page=1)
    assert Paging.from_query("250", "3") == Paging(limit=100, page=3)
    assert Paging.from_query("abc", "-2") == Paging(limit=10, page=1)
    assert Paging.from_query("0", "0") == Paging(limit=10, page=1)


def test_seeding_is_deterministic_per_seed_and_day() -> None:
    day = date(2026, 5, 20)

    def fingerprint(seed: int, on: date) -> list[dict[str, Any]]:
        ds = build_demo_company(seed, on)
        return [customer(ds, c, ("phones", "address")) for c in ds.customers.values()] + [
            job(ds, j, ("reps", "trades")) for j in ds.jobs.values()
        ]

    assert fingerprint(7, day) == fingerprint(7, day)
    assert fingerprint(7, day) != fingerprint(8, day)
    assert fingerprint(7, day) != fingerprint(7, date(2026, 5, 21))


@pytest.mark.parametrize("seed", [1, 7, 42, 2026])
def test_every_seed_yields_a_complete_demo_company(seed: int) -> None:
    ds = build_demo_company(seed, date(2026, 5, 20))
    assert len(ds.customers) == 50 and len(ds.jobs) == 80
    live_stages = {j.stage_code for j in ds.jobs.values() if not j.archived}
    assert live_stages == {stage.code for stage in ds.stages}
    assert any(stage.name == "Proposal Sent" for stage in ds.stages)
    assert sum(1 for u in ds.users.values() if u.first_name == "Mike") == 2
    assert all(ds.is_awarded(ds.jobs[i.job_id]) for i in ds.invoices.values())
    assert sum(1 for t in ds.tasks.values() if t.locked) == 1


@pytest.mark.parametrize("seed", [1, 3, 7, 42, 2026])
def test_the_demo_history_is_all_in_the_past_on_every_day_of_the_week(seed: int) -> None:
    """Opened at midnight or at noon, on a Monday or a Tuesday, the demo never shows a text, email
    or note from later today: the next text a user sends must be the newest in its thread."""
    for offset in range(7):
        today = date(2026, 11, 23) + timedelta(days=offset)
        ds = build_demo_company(seed, today)
        midnight = datetime.combine(today, time())
        history = [*ds.sms_messages.values(), *ds.emails.values(), *ds.notes.values()]
        assert max(item.created_at for item in history) < midnight, today.strftime("%A")


def test_the_least_recently_used_company_is_dropped_beyond_the_cap() -> None:
    sandbox = Sandbox(seed=7)
    sandbox.max_datasets = 2
    first, second, third = (f"sandbox_lru_token_{n}" for n in range(3))
    sandbox.dataset(first).customers.clear()
    sandbox.dataset(second)
    sandbox.dataset(first)  # used again: now the second is the least recently used
    sandbox.dataset(third)
    assert sandbox.dataset(first).customers == {}  # kept, with its change
    assert len(sandbox.dataset(second).customers) == 50  # dropped, then reseeded
