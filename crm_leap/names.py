"""Forgiving name matching: what a person says against the names a company actually uses.

Callers say "prop sent" for "Proposal Sent", "Mike" for "Mike Alvarez", "contract" for "Contract
Signed", or speech recognition writes a name as it sounds ("Shen" for Chen). Matching runs in
tiers, strictest first, and stops at the first tier that matches anything, so an exact name always
beats a loose one, and two equally good matches come back together for the caller to ask which one
was meant. The loose tier scores closeness by spelling and by sound (``crm_leap.heard``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import TypeVar

from crm_leap import heard

T = TypeVar("T")

_NON_WORD = re.compile(r"[^a-z0-9]+")
_FUZZY_THRESHOLD = 0.8
_MIN_SUBSTRING = 3


def normalise(text: str, ignore: Collection[str] = ()) -> str:
    """Lower case, ``&`` as "and", punctuation as spaces, filler words dropped."""
    words = _NON_WORD.sub(" ", text.lower().replace("&", " and ")).split()
    kept = [word for word in words if word not in ignore]
    return " ".join(kept or words)


def _prefixes_cover(query_words: Sequence[str], name_words: Sequence[str]) -> bool:
    """Each query word starts a different word of the name ("prop sent" -> "proposal sent")."""
    free = list(name_words)
    for word in query_words:
        hit = next((candidate for candidate in free if candidate.startswith(word)), None)
        if hit is None:
            return False
        free.remove(hit)
    return True


def _tier(query: str, names: Sequence[str]) -> tuple[int, float]:
    """How well ``query`` matches an item known by ``names`` (its full name first): (tier, closeness)."""
    closeness = max((heard.similarity(query, [name]) / 100 for name in names), default=0.0)
    if query == names[0]:
        return 5, closeness
    if query in names[1:]:
        return 4, closeness
    if any(_prefixes_cover(query.split(), name.split()) for name in names):
        return 3, closeness
    if closeness >= _FUZZY_THRESHOLD:
        return 2, closeness
    if len(query) >= _MIN_SUBSTRING and any(
        query.replace(" ", "") in name.replace(" ", "") for name in names
    ):
        return 1, closeness
    return 0, closeness


def best_matches(
    query: str,
    items: Sequence[T],
    names_of: Callable[[T], Sequence[str]],
    ignore: Collection[str] = (),
) -> list[T]:
    """The items that match ``query`` best (several when equally good); empty when nothing matches.

    ``names_of`` gives an item's full name first, then other names it answers to (first name,
    last name, email). Within the fuzzy tier only the closest spelling wins.
    """
    wanted = normalise(query, ignore)
    if not wanted:
        return []
    scored = []
    for item in items:
        names = [normalise(name, ignore) for name in names_of(item) if name]
        if names:
            scored.append((_tier(wanted, names), item))
    best_tier = max((tier for (tier, _), _ in scored), default=0)
    if best_tier == 0:
        return []
    winners = [(closeness, item) for (tier, closeness), item in scored if tier == best_tier]
    if best_tier == 2:
        top = max(closeness for closeness, _ in winners)
        winners = [(closeness, item) for closeness, item in winners if closeness == top]
    return [item for _, item in winners]
