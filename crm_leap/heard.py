"""Names as speech recognition hears them: how close a heard name is to a real one, and when to ask.

A caller's "Smith" reaches us as "Smyth", "Jones" as "Jonse", "Clark" as "Klark". Leap's own
search matches the letters typed, from the start, so one wrong letter early finds nobody. Here a
heard name is compared word by word with a record's names two ways, and the better one counts:

- spelling: rapidfuzz's normalised edit similarity (a dropped, doubled or swapped letter);
- sound: jellyfish's Metaphone and NYSIIS keys (Klark/Clark, Filips/Phillips, Mirfy/Murphy sound
  the same and share a key; a same-sounding word scores just under an exact one, so an exact
  spelling still ranks first).

Both libraries are maintained, MIT-licensed and compiled (a company's few thousand names rank in
milliseconds). ``rank`` orders candidates; ``ask_back`` says when the best two are too close to
pick for the caller ("Smith on Oak Street or Smyth on Pine?").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import jellyfish
from rapidfuzz import fuzz, process

T = TypeVar("T")

SAME_SOUND = 95.0
"""A word that sounds the same but is spelled differently: close to, never equal to, an exact one."""
MATCH_THRESHOLD = 75.0
"""Below this a record is not what the caller said."""
ASK_MARGIN = 6.0
"""Two records within this many points of each other are put back to the caller as a question."""

_NON_WORD = re.compile(r"[^a-z0-9]+")
_FILLER = frozenset({"the", "mr", "mrs", "ms", "miss", "dr", "customer", "job", "of", "at", "on", "and"})


def words(text: str) -> list[str]:
    """Lower-case words without punctuation and filler ("Mrs. O'Neill" -> ["oneill"])."""
    found = _NON_WORD.sub(" ", text.lower().replace("'", "")).split()
    kept = [word for word in found if word not in _FILLER]
    return kept or found


@functools.lru_cache(maxsize=8192)
def _keys(word: str) -> tuple[str, str]:
    return jellyfish.metaphone(word), jellyfish.nysiis(word)


def _combine(
    heard: str, name: str, spelled: float, heard_keys: tuple[str, str], name_keys: tuple[str, str],
    sounded: float,
) -> float:  # fmt: skip
    """One word pair's score from its spelling similarity and its phonetic keys."""
    if heard == name:
        return 100.0
    if len(heard) < 2 or len(name) < 2 or heard.isdigit() or name.isdigit():
        return spelled
    if any(a and a == b for a, b in zip(heard_keys, name_keys, strict=True)):
        return max(spelled, SAME_SOUND)
    # Sounds alike without sharing a key: lifts a near spelling, never carries a far one alone.
    return max(spelled, (spelled + sounded) / 2)


def word_similarity(heard: str, name: str) -> float:
    """0-100: how close one heard word is to one word of a name, by spelling or by sound."""
    heard_keys, name_keys = _keys(heard), _keys(name)
    sounded = fuzz.ratio(heard_keys[0], name_keys[0])
    return _combine(heard, name, fuzz.ratio(heard, name), heard_keys, name_keys, sounded)


def _fit(
    heard_words: Sequence[str], record_words: Sequence[str], score: Callable[[str, str], float]
) -> float:
    """Each heard word takes the closest word of the record (each record word at most once); the
    mean over heard words, so "Kimberly" fits every Kimberly equally and "Kimberly Davis" one best."""
    if not heard_words or not record_words:
        return 0.0
    total, free = 0.0, list(record_words)
    for word in sorted(heard_words, key=len, reverse=True):
        if not free:
            break
        best = max(free, key=lambda candidate: score(word, candidate))
        total += score(word, best)
        free.remove(best)
    return total / len(heard_words)


def similarity(heard: str, names: Iterable[str]) -> float:
    """0-100: how well the heard words fit a record known by ``names`` (full name, company, ...)."""
    return _fit(words(heard), [word for name in names if name for word in words(name)], word_similarity)


def _score_table(heard_words: Iterable[str], vocabulary: Iterable[str]) -> dict[str, dict[str, float]]:
    """Every heard word against every distinct word of the candidates, in a few vectorised calls
    (rapidfuzz's cdist) rather than one Python call per pair: a company's few thousand customers."""
    vocab = sorted(set(vocabulary))
    if not vocab:
        return {}
    vocab_keys = [_keys(word) for word in vocab]
    metaphones = [keys[0] for keys in vocab_keys]
    table: dict[str, dict[str, float]] = {}
    for heard in set(heard_words):
        heard_keys = _keys(heard)
        spelled = process.cdist([heard], vocab, scorer=fuzz.ratio)[0]
        sounded = process.cdist([heard_keys[0]], metaphones, scorer=fuzz.ratio)[0]
        table[heard] = {
            word: _combine(heard, word, float(spell), heard_keys, keys, float(sound))
            for word, spell, keys, sound in zip(vocab, spelled, vocab_keys, sounded, strict=True)
        }
    return table


@dataclass(frozen=True)
class Ranked(Generic[T]):
    item: T
    score: float


def rank(
    heard: str, items: Iterable[T], names_of: Callable[[T], Sequence[str]], *, limit: int = 5
) -> list[Ranked[T]]:
    """The items that fit what was heard, best first, at most ``limit``."""
    heard_words = words(heard)
    records = [(item, [word for name in names_of(item) if name for word in words(name)]) for item in items]
    table = _score_table(heard_words, (word for _, record_words in records for word in record_words))
    scored = [
        Ranked(item, round(_fit(heard_words, record_words, lambda h, w: table[h][w]), 1))
        for item, record_words in records
    ]
    fitting = [entry for entry in scored if entry.score >= MATCH_THRESHOLD]
    fitting.sort(key=lambda entry: entry.score, reverse=True)
    return fitting[:limit]


def too_close(ranked: Sequence[Ranked[T]]) -> list[T]:
    """The items the caller must choose between (two or more), or empty when the best one is clear."""
    if len(ranked) < 2 or ranked[0].score - ranked[1].score > ASK_MARGIN:
        return []
    return [entry.item for entry in ranked if ranked[0].score - entry.score <= ASK_MARGIN]


def ask_back(heard: str, choices: Sequence[str]) -> str:
    """The question for Claude to put to the caller when several records fit equally well."""
    listed = choices[0] if len(choices) == 1 else f"{', '.join(choices[:-1])} or {choices[-1]}"
    return (
        f"Several records sound like '{heard}': {listed}. Ask the caller which one they mean "
        "before going on; do not guess."
    )
