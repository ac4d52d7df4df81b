"""Cheap lexical similarity, enough to tell "the same fact said twice" from a new fact.

Memories are short sentences; comparing their content words (lower-cased, light plural
stripping, stop words dropped) catches restatements without a model call on the hot path.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "do",
        "does",
        "did",
        "not",
        "no",
        "so",
        "as",
        "by",
        "from",
        "about",
        "always",
        "usually",
        "just",
        "really",
        "very",
    }
)
SAME_FACT = 0.75


def content_words(text: str) -> frozenset[str]:
    words = (word.rstrip("s") if len(word) > 3 else word for word in _WORD.findall(text.lower()))
    return frozenset(word for word in words if word not in _STOP)


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of content words, 0..1."""
    left, right = content_words(a), content_words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def overlap(query: str, text: str) -> int:
    """How many content words of ``query`` appear in ``text`` (for per-turn relevance)."""
    return len(content_words(query) & content_words(text))
