"""One tenant's BM25 index at one version: build it, search it, pack it into one blob and back.

bm25s precomputes every term's score per chunk, so a query is a handful of sparse-row additions
and a top-k pick: well under a millisecond at 10,000 chunks, cheap enough to run on the event
loop. Building (tokenizing and stemming every chunk) takes about a second at that size, so callers
build and unpack in a worker thread.

Chunks are indexed with their heading path in front, so a passage under "Financing" is found by
a question about financing even when its body never says the word.
"""

from __future__ import annotations

import io
import json
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Any, Final

import bm25s
import numpy as np
import Stemmer

from kb.limits import MAX_QUERY_CHARS
from kb.models import Chunk, Snippet

_CHUNKS: Final = "chunks.json"
_BM25_DIR: Final = "bm25/"
_STOPWORDS: Final = "en"

_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    """PyStemmer objects are not thread-safe, and indexes are built in worker threads: one per thread."""
    stemmer: Stemmer.Stemmer | None = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def _indexed_text(chunk: Chunk) -> str:
    return "\n".join((*chunk.heading_path, chunk.text))


class SearchIndex:
    """Immutable once built; a new version of a tenant's knowledge is a new ``SearchIndex``.

    ``version`` names the committed version it was built for (None: the empty index of a tenant
    that has never stored anything).
    """

    def __init__(self, version: str | None, chunks: Sequence[Chunk], bm25: bm25s.BM25 | None) -> None:
        self.version = version
        self.chunks = tuple(chunks)
        self._bm25 = bm25

    @classmethod
    def build(cls, version: str | None, chunks: Sequence[Chunk]) -> SearchIndex:
        if not chunks:
            return cls(version, chunks, None)
        tokens = bm25s.tokenize(
            [_indexed_text(chunk) for chunk in chunks],
            stopwords=_STOPWORDS,
            stemmer=_stemmer(),
            show_progress=False,
        )
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        return cls(version, chunks, bm25)

    def search(self, query: str, k: int) -> list[Snippet]:
        """The ``k`` best chunks that share at least one (stemmed, non-stop) word with ``query``."""
        if self._bm25 is None or k < 1:
            return []
        words: list[list[str]] = bm25s.tokenize(
            query[:MAX_QUERY_CHARS],
            stopwords=_STOPWORDS,
            stemmer=_stemmer(),
            return_ids=False,
            show_progress=False,
        )
        term_ids = self._bm25.get_tokens_ids(words[0])
        if not term_ids:
            return []
        scores: np.ndarray[Any, np.dtype[np.float32]] = self._bm25.get_scores_from_ids(term_ids)
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [
            self._snippet(int(position), float(scores[position])) for position in best if scores[position] > 0
        ]

    def _snippet(self, position: int, score: float) -> Snippet:
        chunk = self.chunks[position]
        return Snippet(
            text=chunk.text,
            score=round(score, 4),
            document=chunk.document,
            heading_path=chunk.heading_path,
            document_id=chunk.document_id,
            chunk_index=chunk.index,
        )

    def to_bytes(self) -> bytes:
        """A zip holding the chunks and bm25s's own saved arrays: one blob, one atomic put."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr(
                _CHUNKS, json.dumps([asdict(chunk) for chunk in self.chunks], ensure_ascii=False)
            )
            if self._bm25 is not None:
                with tempfile.TemporaryDirectory(prefix="kb-index-") as directory:
                    self._bm25.save(directory, show_progress=False)
                    for path in sorted(Path(directory).iterdir()):
                        archive.write(path, _BM25_DIR + path.name)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, version: str | None, data: bytes) -> SearchIndex:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            chunks = [_chunk_from_record(record) for record in json.loads(archive.read(_CHUNKS))]
            members = [name for name in archive.namelist() if name.startswith(_BM25_DIR)]
            if not members:
                return cls(version, chunks, None)
            with tempfile.TemporaryDirectory(prefix="kb-index-") as directory:
                for name in members:
                    (Path(directory) / PurePosixPath(name).name).write_bytes(archive.read(name))
                bm25 = bm25s.BM25.load(directory, load_vocab=True, mmap=False)
        return cls(version, chunks, bm25)


def _chunk_from_record(record: dict[str, Any]) -> Chunk:
    return Chunk(**{**record, "heading_path": tuple(record["heading_path"])})
