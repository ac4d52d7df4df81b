"""Cut sections into chunks of at most ``CHUNK_CHARS`` characters for retrieval.

A chunk never spans two headings, so every chunk has exactly one heading path to cite. Inside a
section we pack whole paragraphs; a paragraph too long for one chunk is cut at lines, then
sentences, then words (and only as a last resort mid-word). Consecutive chunks of one section
share a short overlap, so a fact cut in two still reads whole in one of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.models import Chunk, Section

CHUNK_CHARS = 1_500
OVERLAP_CHARS = 150

# From coarse to fine: paragraphs, lines, sentences, words. Each piece keeps its separator.
_SEPARATORS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?])\s+"), re.compile(r"\s+"))


def chunk_sections(document_id: str, document: str, sections: Sequence[Section]) -> list[Chunk]:
    """All chunks of one document, numbered in reading order."""
    texts = [(section.heading_path, text) for section in sections for text in split_text(section.text)]
    return [
        Chunk(document_id, document, heading_path, index, text)
        for index, (heading_path, text) in enumerate(texts)
    ]


def split_text(text: str, limit: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[str]:
    """``text`` as stripped chunks of at most ``limit`` characters, each after the first opening
    with up to ``overlap`` characters from the end of the one before."""
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, limit - overlap, 0):
        if current.strip() and len((current + piece).strip()) > limit:
            chunks.append(current.strip())
            current = _tail(current, overlap)
        current += piece
    if current.strip():
        chunks.append(current.strip())
    return chunks


def _pieces(text: str, limit: int, level: int) -> list[str]:
    """``text`` cut at the coarsest separator that makes every piece fit within ``limit``."""
    if len(text) <= limit:
        return [text]
    if level == len(_SEPARATORS):
        return [text[start : start + limit] for start in range(0, len(text), limit)]
    return [
        piece
        for part in _split_keeping(text, _SEPARATORS[level])
        for piece in _pieces(part, limit, level + 1)
    ]


def _split_keeping(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split after each separator, leaving it at the end of the piece before: joining gives ``text``."""
    parts, start = [], 0
    for match in separator.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    parts.append(text[start:])
    return [part for part in parts if part]


def _tail(text: str, overlap: int) -> str:
    """The last ``overlap`` characters or a little less: from a sentence start in the first half of
    that window if there is one (a whole sentence reads better), else from the first word start."""
    window = text[-overlap:]
    sentence = re.search(r"[.!?]\s+(?=\S)", window[: overlap // 2])
    cut = sentence or re.search(r"\s+(?=\S)", window)
    return window[cut.end() :] if cut else ""
