"""Forgiving name matching, on names shaped like a real company's."""

from __future__ import annotations

import pytest

from crm_leap.names import best_matches

STAGES = [
    "Lead",
    "Inspection Scheduled",
    "Inspected",
    "Estimate Prepared",
    "Proposal Sent",
    "Contract Signed",
    "Materials Ordered",
    "In Production",
    "Final Inspection",
    "Invoiced",
    "Paid & Closed",
]
FILLER = {"the", "stage"}


def stage(query: str) -> list[str]:
    return best_matches(query, STAGES, lambda name: [name], FILLER)


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("proposal sent", "Proposal Sent"),
        ("Prop sent", "Proposal Sent"),
        ("PROPOSAL-SENT", "Proposal Sent"),
        ("the proposal sent stage", "Proposal Sent"),
        ("proposl sent", "Proposal Sent"),
        ("contract", "Contract Signed"),
        ("paid and closed", "Paid & Closed"),
        ("invoiced", "Invoiced"),
        ("production", "In Production"),
    ],
)
def test_stages_resolve_however_they_are_said(said, meant):
    assert stage(said) == [meant]


def test_an_exact_name_beats_a_longer_one_it_starts():
    assert stage("inspected") == ["Inspected"]


def test_equally_good_matches_come_back_together():
    assert stage("inspect") == ["Inspection Scheduled", "Inspected", "Final Inspection"]


def test_nonsense_matches_nothing():
    assert stage("banana") == []
    assert stage("  ") == []


USERS = [
    ("Mike Alvarez", "Mike", "Alvarez", "malvarez"),
    ("Mike Chen", "Mike", "Chen", "mchen"),
    ("Sarah Johnson", "Sarah", "Johnson", "sarah"),
]


def user(query: str) -> list[str]:
    return [found[0] for found in best_matches(query, USERS, lambda person: person)]


def test_a_shared_first_name_is_ambiguous():
    assert user("Mike") == ["Mike Alvarez", "Mike Chen"]


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("Mike Chen", "Mike Chen"),
        ("mike a", "Mike Alvarez"),
        ("Chen", "Mike Chen"),
        ("sara", "Sarah Johnson"),
    ],
)
def test_users_resolve_by_full_name_surname_or_a_start(said, meant):
    assert user(said) == [meant]


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("Shen", "Mike Chen"),  # sounds the same, first letter wrong
        ("Jonsen", "Sarah Johnson"),
        ("Sera Jonson", "Sarah Johnson"),
        ("Mike Alvares", "Mike Alvarez"),
    ],
)
def test_users_resolve_when_misheard(said, meant):
    assert user(said) == [meant]
